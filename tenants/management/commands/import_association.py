from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.transfer import TransferError, association_import


class Command(BaseCommand):
    help = (
        "Import one association from an archive made by export_association; --replace restores it "
        "over the association of the same slug (no other association is touched)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace", action="store_true", help="drop and restore an existing association")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = association_import(path=options["archive"], replace=options["replace"])
        except TransferError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.association.slug}: {'restored' if result.replaced else 'imported'}, {result.tables} tables, "
            f"{result.rows} rows (counts and checksums match), {result.files} files, {result.jobs} waiting jobs"
        )
