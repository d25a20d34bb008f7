from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.transfer import TransferError, association_export


class Command(BaseCommand):
    help = "Write one association (schema, files, public rows) to a .tar.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("archive", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = association_export(slug=options["slug"], path=options["archive"])
        except TransferError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(entry["rows"] for entry in manifest["tables"].values())
        self.stdout.write(
            f"{options['slug']}: {len(manifest['tables'])} tables, {rows} rows, "
            f"{len(manifest['files'])} files -> {options['archive']}"
        )
