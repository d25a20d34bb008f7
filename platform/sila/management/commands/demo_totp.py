"""Print the current two-factor code of a demo login (its secret is in the credentials file)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Print the current authenticator code of a demo login: manage.py demo_totp admin@jamoum.sila.example"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=Path(settings.BASE_DIR) / ".sila" / "demo-credentials.json",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["credentials_file"]
        if not path.exists():
            raise CommandError(f"{path} does not exist: run `make demo` first")
        data = json.loads(path.read_text(encoding="utf-8"))
        for entry in [data.get("platform", {}), *data.get("associations", [])]:
            for login in entry.get("logins", []):
                if login["email"] == options["email"].lower():
                    secret = login.get("totp_secret")
                    if not secret:
                        raise CommandError(f"{login['email']} has no second factor")
                    self.stdout.write(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
                    return
        raise CommandError(f"no demo login {options['email']}")
