from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.services import ProvisioningError, association_provision


class Command(BaseCommand):
    help = "Create an association: schema (cloned from the template), domain and first admin. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name-ar", required=True)
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-password", default=None)
        parser.add_argument("--licence-number", default="")
        parser.add_argument("--sector", default="")
        parser.add_argument("--region", default="")
        parser.add_argument("--domain", action="append", default=[], help="an extra (custom) domain")
        parser.add_argument("--no-clone", action="store_true", help="migrate instead of cloning the template")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = association_provision(
                slug=options["slug"],
                name_ar=options["name_ar"],
                name_en=options["name_en"],
                admin_email=options["admin_email"],
                admin_password=options["admin_password"],
                licence_number=options["licence_number"],
                sector=options["sector"],
                region=options["region"],
                extra_domains=options["domain"],
                clone=not options["no_clone"],
            )
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        verb = "created" if result.created else "already existed"
        self.stdout.write(
            f"{result.association.slug}: {verb} (method={result.method}, "
            f"admin {'created' if result.admin_created else 'kept'}, {result.seconds:.2f}s)"
        )
