"""The casework factories (alpha's staff, a policy in force, API clients) for the privacy tests."""

from tests.casework.conftest import alpha, jamoum, media_root, rumaila, staff  # noqa: F401
