"""Console actions. Each is atomic and audited in the public schema's trail."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http.request import validate_host
from django.utils import timezone

from audit.services import audit_record
from core.errors import FieldProblem, ServiceError, invalid
from ops.models import StatusChange
from ops.services import association_status_change
from tenants.db import connection
from tenants.models import Association, AssociationStatus, Domain
from tenants.routing import bump_epoch

HOST_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise invalid([FieldProblem("reason", "required", "اذكر السبب.", "Give a reason.")])
    return reason[:300]


def _wrong_status(ar: str, en: str) -> ServiceError:
    return ServiceError("wrong_status", ar, en, 409)


@transaction.atomic
def association_suspend(*, association: Association, reason: str, actor: Any) -> StatusChange:
    reason = _reason(reason)
    association = Association.objects.select_for_update().get(pk=association.pk)
    if association.status != AssociationStatus.ACTIVE:
        raise _wrong_status("الجمعية ليست نشطة.", "The association is not active.")
    return association_status_change(
        association=association, new_status=AssociationStatus.SUSPENDED, reason=reason, actor=actor
    )


@transaction.atomic
def association_reactivate(*, association: Association, actor: Any) -> StatusChange:
    association = Association.objects.select_for_update().get(pk=association.pk)
    if association.status != AssociationStatus.SUSPENDED:
        raise _wrong_status("الجمعية ليست معلّقة.", "The association is not suspended.")
    return association_status_change(
        association=association, new_status=AssociationStatus.ACTIVE, reason="reactivated", actor=actor
    )


@transaction.atomic
def association_archive(*, association: Association, reason: str, actor: Any) -> StatusChange:
    reason = _reason(reason)
    association = Association.objects.select_for_update().get(pk=association.pk)
    if association.status == AssociationStatus.ARCHIVED:
        raise _wrong_status("الجمعية مؤرشفة من قبل.", "The association is already archived.")
    purge_after = timezone.now() + dt.timedelta(days=settings.SILA_ARCHIVE_RETENTION_DAYS)
    return association_status_change(
        association=association,
        new_status=AssociationStatus.ARCHIVED,
        reason=reason,
        actor=actor,
        purge_after=purge_after,
    )


@transaction.atomic
def association_purge(*, association: Association, confirm_slug: str, actor: Any) -> None:
    """Drop an archived association's schema after its retention period: explicit and audited."""
    association = Association.objects.select_for_update().get(pk=association.pk)
    archived = StatusChange.objects.filter(
        association=association, new_status=AssociationStatus.ARCHIVED
    ).first()
    if association.status != AssociationStatus.ARCHIVED or archived is None:
        raise _wrong_status("لا تُحذف إلا جمعية مؤرشفة.", "Only an archived association can be purged.")
    if archived.purge_after is None or archived.purge_after > timezone.now():
        raise _wrong_status(
            "لم تنقضِ مدة الاحتفاظ بالبيانات بعد.", "The data's retention period has not ended yet."
        )
    if confirm_slug != association.slug:
        raise invalid(
            [FieldProblem("confirm", "mismatch", "اكتب عنوان الجمعية للتأكيد.", "Type the slug to confirm.")]
        )
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{association.schema_name}" CASCADE')
    Domain.objects.filter(tenant=association).delete()
    StatusChange.objects.create(
        association=association,
        old_status=association.status,
        new_status=association.status,
        reason="purged",
        actor_email=getattr(actor, "email", ""),
    )
    audit_record(actor=actor, action="association.purged", obj=association)
    bump_epoch()


def host_allowed(host: str) -> bool:
    """Whether Django's ALLOWED_HOSTS lets this host through (else it must be added there)."""
    return validate_host(host, settings.ALLOWED_HOSTS)


@transaction.atomic
def domain_add(*, association: Association, domain: str, actor: Any) -> Domain:
    host = (domain or "").strip().lower().rstrip(".")
    if not HOST_RE.match(host):
        raise invalid([FieldProblem("domain", "invalid", "اكتب اسم نطاق صحيحًا.", "Enter a valid host name.")])
    if Domain.objects.filter(domain=host).exists():
        raise invalid([FieldProblem("domain", "taken", "هذا النطاق مستخدم.", "This host name is in use.")])
    created = Domain.objects.create(domain=host, tenant=association, is_primary=False)
    audit_record(
        actor=actor,
        action="association.domain_added",
        obj=association,
        changes={
            "domain": {"old": None, "new": host},
            "allowed_hosts": {"old": None, "new": host_allowed(host)},
        },
    )
    bump_epoch()
    return created
