from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sila import embedded_db


class Command(BaseCommand):
    help = "Start, stop or show the embedded PostgreSQL under .sila/ (used when DATABASE_URL is unset)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["start", "stop", "status", "url"])

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "start":
            server = embedded_db.ensure_running(keep_running=True)
            self.stdout.write(f"embedded PostgreSQL running, socket in {server.socket_dir}")
        elif action == "stop":
            stopped = embedded_db.stop()
            self.stdout.write("stopped" if stopped else "not running")
        elif action == "status":
            self.stdout.write("running" if embedded_db.is_running() else "not running")
        elif action == "url":
            if not embedded_db.is_running():
                raise CommandError("the embedded PostgreSQL is not running (manage.py embedded_db start)")
            server = embedded_db.ensure_running(keep_running=True)
            self.stdout.write(
                f"postgresql://{server.user}@/{embedded_db.DATABASE_NAME}?host={server.socket_dir}"
            )
