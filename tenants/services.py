"""Writes about associations. Every function here is one atomic unit of work."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django_tenants.utils import schema_exists

from accounts.models import Role, RoleCode, User
from audit.services import audit_record
from tenants import routing, schemas, spares
from tenants.clone import SchemaCloner, UnsupportedTemplate, clone_schema
from tenants.db import connection
from tenants.models import Association, AssociationStatus, Domain

logger = logging.getLogger(__name__)

ProvisionMethod = Literal["spare", "clone", "migrate", "existing"]


class ProvisioningError(Exception):
    pass


@dataclass(frozen=True)
class ProvisionResult:
    association: Association
    created: bool
    method: ProvisionMethod
    admin_created: bool
    seconds: float


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


def primary_domain_for(slug: str) -> str:
    return f"{slug}.{settings.SILA_BASE_DOMAIN}"


def _migrate_schema(schema_name: str) -> None:
    call_command("migrate_schemas", schema_name=schema_name, interactive=False, verbosity=0)


def template_refresh(*, force: bool = False) -> bool:
    """Make sure the template schema exists and has every tenant migration. Returns whether it
    changed anything."""
    name = schemas.template_schema()
    with transaction.atomic():
        connection.set_schema_to_public()
        if force and schema_exists(name):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
        if schemas.template_is_fresh():
            return False
        if not schema_exists(name):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{name}"')
        _migrate_schema(name)
        connection.set_schema_to_public()
    return True


def _create_schema(schema_name: str, *, clone_allowed: bool, spare_allowed: bool = False) -> ProvisionMethod:
    if clone_allowed and spare_allowed and spares.spare_claim(schema_name):
        return "spare"
    if clone_allowed and schemas.template_is_fresh():
        try:
            with transaction.atomic():
                clone_schema(schemas.template_schema(), schema_name)
            return "clone"
        except UnsupportedTemplate as exc:
            logger.warning("cannot clone the template (%s): migrating %s instead", exc, schema_name)
        finally:
            connection.set_schema_to_public()
    elif clone_allowed:
        logger.warning("template schema is missing or stale: migrating %s from scratch", schema_name)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    _migrate_schema(schema_name)
    connection.set_schema_to_public()
    return "migrate"


def _ensure_first_admin(
    association: Association, *, email: str, password: str | None, full_name: str
) -> bool:
    connection.set_tenant(association)
    try:
        if User.objects.filter(email=email.lower()).exists():
            return False
        user = User.objects.create_user(email, password, full_name=full_name, is_staff=True)
        user.roles.add(Role.objects.get(code=RoleCode.ASSOCIATION_ADMIN))
        return True
    finally:
        connection.set_schema_to_public()


@transaction.atomic
def association_provision(
    *,
    slug: str,
    name_ar: str,
    name_en: str,
    admin_email: str,
    admin_password: str | None = None,
    admin_full_name: str = "",
    licence_number: str = "",
    sector: str = "",
    sector_ar: str = "",
    region: str = "",
    extra_domains: Iterable[str] = (),
    clone: bool = True,
    spare: bool = False,
) -> ProvisionResult:
    """Create an association: its schema (cloned from the template, or migrated when the
    template is stale), its domain(s) and its first admin.

    With ``spare=True`` (self-service sign-ups) a spare schema cloned ahead of time is renamed
    into place when there is one (tenants.spares), which is much faster than cloning.

    Idempotent: provisioning an existing slug changes nothing that exists and only adds what is
    missing. Atomic: PostgreSQL DDL is transactional, so a failure at any point leaves no row,
    no domain and no schema behind.
    """
    started = time.perf_counter()
    connection.set_schema_to_public()
    association = Association.objects.filter(slug=slug).first()
    created = association is None
    method: ProvisionMethod = "existing"
    if association is None:
        schema_name = schema_name_for(slug)
        if schema_exists(schema_name):
            raise ProvisioningError(f"schema {schema_name!r} exists but belongs to no association")
        association = Association(
            schema_name=schema_name,
            slug=slug,
            name_ar=name_ar,
            name_en=name_en,
            licence_number=licence_number,
            sector=sector,
            sector_ar=sector_ar,
            region=region,
            status=AssociationStatus.ACTIVE,
        )
        association.full_clean()
        method = _create_schema(schema_name, clone_allowed=clone, spare_allowed=spare)
        association.save()
    elif not schema_exists(association.schema_name):
        raise ProvisioningError(f"association {slug!r} has no schema {association.schema_name!r}")

    for index, host in enumerate([primary_domain_for(slug), *extra_domains]):
        domain, _ = Domain.objects.get_or_create(
            domain=host.lower(), defaults={"tenant": association, "is_primary": index == 0}
        )
        if domain.tenant_id != association.pk:
            raise ProvisioningError(f"domain {host!r} already routes to another association")
    admin_created = _ensure_first_admin(
        association, email=admin_email, password=admin_password, full_name=admin_full_name
    )
    if created or admin_created:
        audit_record(
            actor=None,
            action="association.provisioned" if created else "association.admin_added",
            obj=association,
            changes={
                "method": {"old": None, "new": method},
                "admin_email": {"old": None, "new": admin_email},
            },
        )
    return ProvisionResult(
        association=association,
        created=created,
        method=method,
        admin_created=admin_created,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class NewAssociation:
    """What ``associations_provision_batch`` needs to know of each association it creates."""

    slug: str
    name_ar: str
    name_en: str
    sector: str = ""
    region: str = ""


@transaction.atomic
def associations_provision_batch(
    *,
    associations: Sequence[NewAssociation],
    source_schema: str | None = None,
    cloner: SchemaCloner | None = None,
) -> list[Association]:
    """Create many associations at once: each schema cloned from ``source_schema`` (the template
    by default; any association's schema to give them its data), their rows and primary domains
    inserted in bulk, the routing epoch bumped once.

    The bulk path for a platform that onboards associations by the hundred (and for the scale
    harness): the source's catalogue is read once (or pass a ``cloner`` over several batches) and
    the public rows cost two statements, where ``association_provision`` reads the catalogue,
    validates, and writes its rows one association at a time. No first admin is made: invite one
    afterwards. All or nothing: one bad slug or existing schema creates none of the batch. Keep
    batches to tens of associations (each holds locks on its new tables until the commit).
    """
    connection.set_schema_to_public()
    source = source_schema or schemas.template_schema()
    if source == schemas.template_schema() and not schemas.template_is_fresh():
        raise ProvisioningError("the template schema is missing or stale: run migrate_fleet first")
    if cloner is None:
        cloner = SchemaCloner(source)
    elif cloner.source != source:
        raise ProvisioningError(f"the cloner reads {cloner.source!r}, not {source!r}")
    rows: list[Association] = []
    for spec in associations:
        association = Association(
            schema_name=schema_name_for(spec.slug),
            slug=spec.slug,
            name_ar=spec.name_ar,
            name_en=spec.name_en,
            sector=spec.sector,
            region=spec.region,
            status=AssociationStatus.ACTIVE,
        )
        association.full_clean()  # the slug is unique, well formed; so is the schema name
        if schema_exists(association.schema_name):
            raise ProvisioningError(
                f"schema {association.schema_name!r} exists but belongs to no association"
            )
        cloner.clone(association.schema_name)
        rows.append(association)
    created: list[Association] = Association.objects.bulk_create(rows)
    Domain.objects.bulk_create(
        [Domain(domain=primary_domain_for(a.slug), tenant=a, is_primary=True) for a in created]
    )
    for association in created:
        audit_record(
            actor=None,
            action="association.provisioned",
            obj=association,
            changes={"method": {"old": None, "new": f"batch clone of {source}"}},
        )
    # bulk_create sends no signal: tell every process that routes changed.
    routing.bump_epoch()
    transaction.on_commit(routing.clear)
    return created
