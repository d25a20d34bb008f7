from __future__ import annotations

import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tenants.fleet import fleet_schemas, migrate_fleet
from tenants.services import template_refresh


class Command(BaseCommand):
    help = "Migrate the public schema, refresh the template, then every association; progress and summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-shared", action="store_true", help="do not migrate the public schema")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["skip_shared"]:
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        # The template is refreshed (created on a fresh database) before the associations.
        template_refresh()
        names = fleet_schemas(include_template=False)
        bar = tqdm(total=len(names), unit="schema", disable=options["no_progress"], file=sys.stderr)

        def progress(name: str, outcome: str) -> None:
            bar.set_postfix_str(f"{name}: {outcome}")
            bar.update(1)

        report = migrate_fleet(names, on_progress=progress)
        bar.close()
        self.stdout.write(
            f"{report.total} schemas in {report.seconds:.1f}s: {len(report.migrated)} migrated, "
            f"{len(report.up_to_date)} already up to date, {len(report.failed)} failed"
        )
        for name, error in report.failed.items():
            self.stderr.write(f"  {name}: {error}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} schema(s) failed to migrate")
