"""Attestations that no longer match the data they signed are voided."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework import selectors
from casework.models import (
    CaseStatus,
    SupportCase,
)
from casework.services._base import (
    append_event,
)


def void_stale_attestations(*, beneficiary_ids: list[int], actor: User | None) -> list[int]:
    """Void the attestations whose data changed, on open cases not yet decided: the applicant
    must confirm and sign again. Returns the ids of the cases concerned."""
    affected = []
    attested = (
        SupportCase.objects.filter(
            beneficiary_id__in=beneficiary_ids,
            status=CaseStatus.OPEN,
            decision__isnull=True,
            attestations__voided_at__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    cases = SupportCase.objects.select_for_update().filter(pk__in=list(attested)).order_by("pk")
    now = timezone.now()
    for case in cases:
        attestation = case.attestations.filter(voided_at__isnull=True).order_by("-id").first()
        if attestation is None:
            continue
        if attestation.data_sha256 == selectors.payload_sha256(selectors.attestation_payload(case)):
            continue
        attestation.voided_at = now
        attestation.void_reason = "data_changed"
        attestation.save(update_fields=["voided_at", "void_reason"])
        case.revision += 1
        case.save(update_fields=["revision", "updated_at"])
        append_event(
            case=case,
            actor=actor,
            action="attestation_voided",
            from_step=case.step,
            to_step=case.step,
            data={"attestation": attestation.pk, "reason": "data_changed"},
        )
        audit_record(
            actor=actor,
            action="case.attestation_voided",
            obj=case,
            changes={"attestation": {"old": attestation.pk, "new": None}},
        )
        affected.append(case.pk)
    return affected
