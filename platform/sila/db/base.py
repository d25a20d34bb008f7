"""Database backend: django-tenants' schema-aware PostgreSQL, plus the embedded server.

When the settings mark the connection ``EMBEDDED`` (no ``DATABASE_URL`` given), the first
connection a process opens starts, or attaches to, the embedded PostgreSQL and fills in its socket.
Nothing is started at import time, so ``manage.py check``, ruff and mypy never touch a server.
"""

from __future__ import annotations

from typing import Any

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        if self.settings_dict.get("EMBEDDED"):
            from sila import embedded_db

            server = embedded_db.ensure_running()
            self.settings_dict["HOST"] = server.socket_dir
            self.settings_dict["USER"] = server.user
        params: dict[str, Any] = super().get_connection_params()
        return params
