"""What the casework API answers: each object as the API shows it, built from the selectors' reads
(the step states from the one step-state selector, ``casework.services.steps``). The
``*Serializer`` classes of ``casework.api.serializers`` document these shapes for the schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import User
from casework import roles, selectors, services
from casework.models import (
    Beneficiary,
    BeneficiaryDocument,
    CaseStatus,
    DuplicateFlag,
    HouseholdMember,
    SupportCase,
)
from casework.services.steps import event_steps, step_states
from casework.views.presenter import case_messages
from policy_engine.rules.catalog import CatalogKind, get_entry


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.full_name or user.email}


def _label(kind: CatalogKind, code: str) -> dict[str, str]:
    entry = get_entry(kind, code)
    return {
        "code": code,
        "label_ar": entry.label_ar if entry else code,
        "label_en": entry.label_en if entry else code,
    }


def beneficiary_row(b: Beneficiary) -> dict[str, Any]:
    return {
        "id": b.pk,
        "national_id": b.national_id,
        "full_name_ar": b.full_name_ar,
        "phone": b.phone_e164 or None,
        "city": b.city,
        "merged_into": b.merged_into_id,
        "created_at": _iso(b.created_at),
    }


def member_payload(m: HouseholdMember) -> dict[str, Any]:
    return {
        "id": m.pk,
        "full_name_ar": m.full_name_ar,
        "relation": m.relation,
        "national_id": m.national_id or None,
        "birth_date": _iso(m.birth_date),
        "gender": m.gender or None,
    }


def document_payload(d: BeneficiaryDocument) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "name": d.original_name,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "case": d.case_id,
        "uploaded_at": _iso(d.uploaded_at),
    }


def beneficiary_payload(b: Beneficiary) -> dict[str, Any]:
    flags = DuplicateFlag.objects.filter(status="open").filter(beneficiary=b) | DuplicateFlag.objects.filter(
        status="open", other=b
    )
    return {
        **beneficiary_row(b),
        "birth_date": _iso(b.birth_date),
        "gender": b.gender or None,
        "notes": b.notes,
        "updated_at": _iso(b.updated_at),
        "household": [member_payload(m) for m in b.household.all()],
        "documents": [document_payload(d) for d in b.documents.all()],
        "likely_duplicates": [
            {
                "flag": f.pk,
                "beneficiary": f.other_id if f.beneficiary_id == b.pk else f.beneficiary_id,
                "reason": f.reason,
            }
            for f in flags.order_by("id")
        ],
    }


def duplicate_payload(f: DuplicateFlag) -> dict[str, Any]:
    return {
        "id": f.pk,
        "status": f.status,
        "reason": f.reason,
        "beneficiary": beneficiary_row(f.beneficiary),
        "other": beneficiary_row(f.other),
        "created_at": _iso(f.created_at),
        "resolved_at": _iso(f.resolved_at),
        "note": f.note,
    }


def case_row(case: SupportCase, *, now: dt.datetime) -> dict[str, Any]:
    lang = get_language() or "ar"
    return {
        "id": case.pk,
        "status": case.status,
        "step": case.step,
        "outcome": case.outcome or None,
        "channel": case.channel,
        "policy_version": case.policy_version.number,
        "beneficiary": {"id": case.beneficiary_id, "full_name_ar": case.beneficiary.full_name_ar},
        "assigned_to": _person(case.assigned_to),
        "decision_due": _iso(case.decision_due),
        "decision_due_hijri": selectors.hijri_date(case.decision_due),
        "decision_due_hijri_text": selectors.hijri_text(case.decision_due, lang),
        "overdue": selectors.case_is_overdue(case, now=now),
        "revision": case.revision,
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
    }


def case_payload(case: SupportCase, *, user: User | None) -> dict[str, Any]:
    """A case as its page shows it (``case`` from :func:`casework.selectors.case_get`)."""
    now = timezone.now()
    engine = selectors.engine_for(case.policy_version)
    steps = engine.steps()
    here = steps.index(case.step) if case.step in steps else -1
    codes = roles.role_codes(user) if user is not None else frozenset()
    sees_votes = user is None or bool(codes & {"committee_member", "association_admin"})
    attestation = selectors.current_attestation(case)
    valid = attestation is not None and selectors.attestation_is_valid(case)
    decision = selectors.case_decision(case)
    events = list(case.events.all())
    facts = event_steps(case, steps)
    return {
        **case_row(case, now=now),
        "closed_reason": case.closed_reason or None,
        "closed_at": _iso(case.closed_at),
        "beneficiary": {
            "id": case.beneficiary_id,
            "full_name_ar": case.beneficiary.full_name_ar,
            "national_id": case.beneficiary.national_id,
            "phone": case.beneficiary.phone_e164 or None,
        },
        "steps": [
            {**_label(CatalogKind.STEP, code), "state": state} for code, state in step_states(case, steps)
        ],
        "referral_target": case.referral_target or None,
        "deciding_body": case.deciding_body,
        "review_window": engine.review_window(),
        "submitted_for_decision_at": _iso(case.submitted_for_decision_at),
        "opened_by": _person(case.opened_by),
        "checklist": [
            {
                "code": item.code,
                "step": item.step,
                "label_ar": item.label_ar,
                "label_en": item.label_en,
                "kind": item.kind,
                "required": item.required,
                "verified_by": _person(item.verified_by),
                "verified_at": _iso(item.verified_at),
                "note": item.note,
                "document": item.document_id,
            }
            for item in case.checklist.all()
        ],
        "referrals": [
            {
                "id": r.pk,
                "target": r.target,
                "question": r.question,
                "asked_by": _person(r.asked_by),
                "asked_at": _iso(r.asked_at),
                "answer": r.answer or None,
                "answered_by": _person(r.answered_by),
                "answered_at": _iso(r.answered_at),
            }
            for r in case.referrals.all()
        ],
        "attestation": None
        if attestation is None
        else {
            "id": attestation.pk,
            "method": attestation.method,
            "typed_name": attestation.typed_name,
            "data_sha256": attestation.data_sha256,
            "created_at": _iso(attestation.created_at),
            "valid": valid,
        },
        "attestation_required": engine.has_step("attest")
        and case.status == CaseStatus.OPEN
        and decision is None
        and steps.index("attest") <= here
        and not valid,
        "votes": [
            {
                "member": _person(v.member),
                "choice": v.choice,
                "reason": v.reason,
                "cast_at": _iso(v.cast_at),
            }
            for v in case.votes.all()
        ]
        if sees_votes
        else None,
        "votes_cast": len(case.votes.all()),
        "quorum": selectors.committee_quorum() if case.deciding_body == "research_committee" else None,
        "decision": None
        if decision is None
        else {
            "body": decision.body,
            "outcome": decision.outcome,
            "reason": decision.reason,
            "minutes": decision.minutes,
            "votes_accept": decision.votes_accept,
            "votes_reject": decision.votes_reject,
            "quorum": decision.quorum,
            "decided_by": _person(decision.decided_by),
            "decided_at": _iso(decision.decided_at),
        },
        "services": [
            {
                "id": s.pk,
                "kind": s.kind,
                "amount": str(s.amount) if s.amount is not None else None,
                "description": s.description,
                "delivered_on": _iso(s.delivered_on),
                "employee": _person(s.employee),
                # Whether the beneficiary rated it (once per service); the score only in aggregate.
                "rated": selectors.service_rating(s) is not None,
            }
            for s in case.services.all()
        ],
        "rated": bool(case.services.all()) and not selectors.services_to_rate(case),
        # Text messages to the beneficiary and what became of each (the gateway's delivery report).
        "messages": [
            {
                "id": m["notification"].pk,
                "kind": m["notification"].kind,
                "created_at": _iso(m["notification"].created_at),
                "status": m["status"] or None,
                "delivered_at": _iso(m["delivered_at"]),
            }
            for m in case_messages(case)
        ],
        "available_actions": services.case_available_actions(case=case, user=user),
        "timeline": [
            {
                "id": e.pk,
                "action": e.action,
                "from_step": e.from_step or None,
                "to_step": e.to_step or None,
                "from_step_state": facts[e.pk].from_state if e.pk in facts else None,
                "closed_at_step": facts[e.pk].closed_at if e.pk in facts else None,
                "not_reached": list(facts[e.pk].not_reached) if e.pk in facts else [],
                "actor": _person(e.actor),
                "data": e.data,
                "created_at": _iso(e.created_at),
            }
            for e in events
        ],
    }
