"""The consented cross-association duplicate check, as one association sees it.

A person who consents is registered in the shared register (``tenants.crosscheck``) as served
here; withdrawing the consent, or the record's erasure, removes the mark. A check is the action of
a named employee on a record of this association's own registry (so an ID must be registered here,
an audited write, before it can be checked), is logged in the access log, and is limited per
employee and hour, so that IDs cannot be enumerated through it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import Beneficiary
from casework.privacy.models import AccessAction, AccessLogEntry, Consent, ConsentKind
from core.errors import ServiceError, forbidden, not_found
from tenants import crosscheck
from tenants.db import connection
from tenants.models import Association

CHECKERS: tuple[str, ...] = roles.REGISTRY_READERS


def _association() -> Association:
    tenant = connection.tenant
    if not isinstance(tenant, Association):  # pragma: no cover - a programming error
        raise RuntimeError("the cross-association check runs on an association's host")
    return tenant


def register(*, beneficiary: Beneficiary) -> None:
    """Bring the person's mark in the shared register in line with their standing consents."""
    kinds = set(
        Consent.objects.filter(beneficiary=beneficiary, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    association = _association()
    if ConsentKind.CROSS_CHECK in kinds and not getattr(beneficiary, "restricted_at", None):
        crosscheck.mark_put(
            association=association,
            national_id=beneficiary.national_id,
            named=ConsentKind.CROSS_CHECK_NAMED in kinds,
        )
    else:
        crosscheck.mark_remove(association=association, national_id=beneficiary.national_id)


def unregister(*, beneficiary: Beneficiary) -> None:
    """Remove the person's mark (their record is being erased or restricted)."""
    crosscheck.mark_remove(association=_association(), national_id=beneficiary.national_id)


def checks_left(user: User) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    used = AccessLogEntry.objects.filter(
        user_id=user.pk, action=AccessAction.CROSS_CHECK, at__gte=since
    ).count()
    return max(0, settings.SILA_CROSSCHECK_PER_HOUR - used)


def beneficiary_cross_check(*, actor: User, beneficiary_id: int, via: str) -> crosscheck.CheckAnswer:
    """Whether other associations serve this beneficiary of ours (see the module's docstring).
    A check past the employee's limit is refused (429) and that refusal is itself recorded."""
    if not roles.has_any(actor, CHECKERS):
        raise forbidden("لا تملك صلاحية هذا الإجراء.", "You are not allowed to do this.")
    with transaction.atomic():
        beneficiary = Beneficiary.objects.filter(pk=beneficiary_id, merged_into__isnull=True).first()
        if beneficiary is None:
            raise not_found("لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")
        # One employee's checks are counted under a lock on their row, so two checks at once
        # cannot both take the last one left.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if checks_left(actor) > 0:
            answer = crosscheck.others_serving(
                association=_association(), national_id=beneficiary.national_id
            )
            AccessLogEntry.objects.create(
                user_id=actor.pk,
                user_email=actor.email,
                action=AccessAction.CROSS_CHECK,
                beneficiary_id=beneficiary.pk,
                via=via,
            )
            audit_record(
                actor=actor,
                action="privacy.cross_checked",
                obj=beneficiary,
                changes={"others": {"old": None, "new": answer.others}},
            )
            return answer
    # Recorded outside the refused transaction, so that the attempt stays on the record.
    audit_record(actor=actor, action="privacy.cross_check_refused", obj=beneficiary, changes={})
    limit = settings.SILA_CROSSCHECK_PER_HOUR
    raise ServiceError(
        "too_many_checks",
        f"بلغت حد التحقق لدى الجمعيات الأخرى ({limit} في الساعة). حاول بعد قليل؛ سُجّلت محاولتك.",
        f"You reached the limit of checks with other associations ({limit} an hour). "
        "Try again later; your attempt was logged.",
        429,
    )
