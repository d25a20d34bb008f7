from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.sms_standin import GatewayStandin


class Command(BaseCommand):
    help = "Serve a local stand-in for Taqnyat's SMS API (demo and tests; nothing leaves the machine)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8787)
        parser.add_argument("--token", required=True, help="the bearer token clients must send")
        parser.add_argument("--sender", action="append", default=None, help="an approved sender name")
        parser.add_argument("--outbox", type=Path, default=None, help="append accepted messages here")
        parser.add_argument("--dlr-url", default="", help="where to post delivery reports (the callback)")
        parser.add_argument("--dlr-token", default="", help="the callback's secret, sent as a bearer token")

    def handle(self, *args: Any, **options: Any) -> None:
        standin = GatewayStandin(
            token=options["token"],
            senders=tuple(options["sender"] or ["Sila"]),
            port=options["port"],
            outbox=options["outbox"],
            dlr_url=options["dlr_url"],
            dlr_token=options["dlr_token"],
        )
        self.stdout.write(f"SMS gateway stand-in on http://127.0.0.1:{standin.port}/ (messages: GET /)")
        try:
            standin.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            standin.stop()
