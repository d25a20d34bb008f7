"""The casework factories (alpha, its staff, seed policies), shared with the report tests."""

from tests.casework.conftest import alpha, media_root, staff  # noqa: F401  (fixtures)
