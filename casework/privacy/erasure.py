"""Irreversible anonymisation of one person's record: what identifies them (names, ID numbers,
phones, documents, free text) goes; what the figures count (requests, steps, outcomes, amounts,
scores, dates) stays, so reports do not change. Used for an erasure the law does not forbid, and
by the retention job when a record's retention ends."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent
from casework.models import (
    Attestation,
    Beneficiary,
    BeneficiaryDocument,
    CaseEvent,
    ChecklistItem,
    CommitteeVote,
    Decision,
    DuplicateFlag,
    HouseholdMember,
    IdempotencyKey,
    Notification,
    OtpChallenge,
    PortalSession,
    Referral,
    SatisfactionRating,
    ServiceDelivery,
    SupportCase,
)
from casework.privacy import crosscheck
from casework.privacy.models import RecordHold, RightsRequest

ANONYMOUS_NAME = "مستفيد مُجهَّل"
# Values that are codes (what the figures and timelines need), kept when free text is removed.
CODE_KEYS = {
    "channel",
    "outcome",
    "step",
    "from_step",
    "to_step",
    "kind",
    "body",
    "target",
    "choice",
    "item",
    "code",
    "purpose",
    "status",
    "method",
    "policy_version",
    "beneficiary",
    "score",
    "amount",
    "delivered_on",
    "document",
    "revision",
}


def scrub(value: Any, key: str = "") -> Any:
    """The value without free text: strings kept only under code keys (and only short codes)."""
    if isinstance(value, dict):
        # {"field": {"old": …, "new": …}} (audit rows): the values are judged by the field's name.
        return {k: scrub(v, key if k in ("old", "new") else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    if isinstance(value, str):
        return value if key in CODE_KEYS and len(value) <= 40 and value.isascii() else ""
    return value


def _identifiers(people: list[Beneficiary]) -> list[str]:
    found: set[str] = set()
    for b in people:
        found |= {b.national_id, b.full_name_ar, b.phone_e164}
        if b.phone_e164.startswith("+966"):
            found.add("0" + b.phone_e164[4:])
        found |= set(b.household.values_list("national_id", flat=True))
        found |= set(b.household.values_list("full_name_ar", flat=True))
    return sorted(v for v in found if v and len(v) >= 4)


@transaction.atomic
def beneficiary_anonymise(*, beneficiary: Beneficiary) -> None:
    """Anonymise the record (and the records merged into it) at once and for good."""
    people = [beneficiary, *Beneficiary.objects.filter(merged_into=beneficiary)]
    ids = [b.pk for b in people]
    identifiers = _identifiers(people)
    case_ids = list(SupportCase.objects.filter(beneficiary_id__in=ids).values_list("pk", flat=True))
    phones = [b.phone_e164 for b in people if b.phone_e164]

    crosscheck.unregister(beneficiary=beneficiary)
    documents = list(BeneficiaryDocument.objects.filter(beneficiary_id__in=ids))
    files = [d.file for d in documents if d.file]
    ChecklistItem.objects.filter(document__in=documents).update(document=None)
    BeneficiaryDocument.objects.filter(pk__in=[d.pk for d in documents]).delete()
    HouseholdMember.objects.filter(beneficiary_id__in=ids).delete()
    for b in people:
        Beneficiary.objects.filter(pk=b.pk).update(
            national_id=f"X{b.pk:09d}"[-10:],
            full_name_ar=ANONYMOUS_NAME,
            full_name_normalized=ANONYMOUS_NAME,
            phone_e164="",
            birth_date=None,
            notes="",
            anonymised_at=timezone.now(),
        )
    DuplicateFlag.objects.filter(Q(beneficiary_id__in=ids) | Q(other_id__in=ids)).update(note="")
    for case in SupportCase.objects.filter(pk__in=case_ids):
        SupportCase.objects.filter(pk=case.pk).update(intake={}, closed_reason="")
    # The timeline is append-only for the product; anonymisation rewrites its free text only.
    for event in CaseEvent.objects.filter(case_id__in=case_ids):
        CaseEvent.objects.filter(pk=event.pk).update(data=scrub(event.data))
    ChecklistItem.objects.filter(case_id__in=case_ids).update(note="")
    Referral.objects.filter(case_id__in=case_ids).update(question="", answer="")
    Attestation.objects.filter(case_id__in=case_ids).update(typed_name="", signature_png="", data={})
    CommitteeVote.objects.filter(case_id__in=case_ids).update(reason="")
    Decision.objects.filter(case_id__in=case_ids).update(reason="", minutes="")
    ServiceDelivery.objects.filter(case_id__in=case_ids).update(description="")
    SatisfactionRating.objects.filter(case_id__in=case_ids).update(comment="")
    Notification.objects.filter(case_id__in=case_ids).update(recipient="", subject="", body="")
    OtpChallenge.objects.filter(phone_e164__in=phones).delete()
    PortalSession.objects.filter(phone_e164__in=phones).delete()
    RightsRequest.objects.filter(beneficiary_id__in=ids).update(details="")
    for request in RightsRequest.objects.filter(beneficiary_id__in=ids).exclude(export=""):
        files.append(request.export)
        RightsRequest.objects.filter(pk=request.pk).update(export="")
    RecordHold.objects.filter(beneficiary_id__in=ids).update(erase_after=None)
    # The audit trail keeps who did what and when; the values it recorded about the person go.
    audit = AuditEvent.objects.filter(
        Q(object_type="casework.beneficiary", object_id__in=[str(i) for i in ids])
        | Q(object_type="casework.supportcase", object_id__in=[str(i) for i in case_ids])
    )
    for audit_row in audit:
        AuditEvent.objects.filter(pk=audit_row.pk).update(changes=scrub(audit_row.changes))
    # Anything else that quoted them (a stored API answer, an audit row about another object).
    for identifier in identifiers:
        IdempotencyKey.objects.filter(response_body__icontains=identifier).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, changes FROM audit_auditevent WHERE changes::text LIKE %s",
                ["%" + identifier.replace("%", r"\%") + "%"],
            )
            for pk, changes in cursor.fetchall():
                AuditEvent.objects.filter(pk=pk).update(
                    changes=scrub(changes if isinstance(changes, dict) else {})
                )

    def remove_files() -> None:
        for stored in files:
            stored.storage.delete(stored.name)

    transaction.on_commit(remove_files)
