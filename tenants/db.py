"""The database connection, typed as what it is here: django-tenants' schema-aware wrapper.

``django.db.connection`` is a proxy to the current thread's connection; this is the same proxy,
typed so that ``set_tenant``, ``set_schema_to_public`` and ``schema_name`` are known to mypy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import connection as _connection

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper

connection = cast("DatabaseWrapper", _connection)
