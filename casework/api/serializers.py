"""What the casework API reads and answers.

Input serializers check only the shape (types, lengths); the services check the meaning and
answer field by field. Output is built by the ``*_payload`` functions; the ``*Serializer`` classes
below them document those shapes for the OpenAPI schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from casework import roles, selectors, services
from casework.models import (
    Beneficiary,
    BeneficiaryDocument,
    CaseOutcome,
    CaseStatus,
    DuplicateFlag,
    Gender,
    HouseholdMember,
    Relation,
    SupportCase,
)
from casework.services.steps import STATES, step_states
from casework.views.presenter import case_messages
from policy_engine.rules.catalog import CatalogKind, get_entry

# --- input --------------------------------------------------------------------------------------


class HouseholdMemberInput(serializers.Serializer[dict[str, Any]]):
    full_name_ar = serializers.CharField(max_length=200, allow_blank=True)
    relation = serializers.ChoiceField(choices=Relation.choices)
    national_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True, default="")


class BeneficiaryCreateInput(serializers.Serializer[dict[str, Any]]):
    national_id = serializers.CharField(max_length=40, allow_blank=True, help_text="10 digits; ٠-٩ accepted")
    full_name_ar = serializers.CharField(max_length=400, allow_blank=True)
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Saudi mobile, e.g. 05XXXXXXXX"
    )
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    gender = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    household = serializers.ListField(
        child=HouseholdMemberInput(), max_length=50, required=False, default=list
    )


class BeneficiaryUpdateInput(serializers.Serializer[dict[str, Any]]):
    national_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    full_name_ar = serializers.CharField(max_length=400, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    gender = serializers.CharField(max_length=10, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    household = serializers.ListField(child=HouseholdMemberInput(), max_length=50, required=False)


class DocumentInput(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField()
    kind = serializers.SlugField(max_length=40, required=False, default="other")
    case = serializers.IntegerField(required=False, allow_null=True, default=None)


class MergeInput(serializers.Serializer[dict[str, Any]]):
    keep = serializers.IntegerField(required=False, allow_null=True, default=None)
    confirm = serializers.BooleanField(
        required=False, default=False, help_text="true: the two records (two ID numbers) are one person"
    )


class DismissInput(serializers.Serializer[dict[str, Any]]):
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "the beneficiary's record id"},
            {
                "type": "object",
                "properties": {"national_id": {"type": "string"}},
                "required": ["national_id"],
                "additionalProperties": False,
            },
        ]
    }
)
class BeneficiaryRefField(serializers.Field):
    """A beneficiary named by record id or as ``{"national_id": "…"}``."""

    # No braces in the message: DRF formats it (str.format), and a literal "{…}" made every
    # refused value a 500.
    default_error_messages = {
        "invalid": _("Give the beneficiary's record id, or an object with their national ID (national_id).")
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, int) and not isinstance(data, bool):
            return {"id": data}
        if isinstance(data, str) and data.isascii() and data.isdigit():
            return {"id": int(data)}
        if isinstance(data, dict) and set(data) == {"national_id"} and isinstance(data["national_id"], str):
            return {"national_id": data["national_id"]}
        self.fail("invalid")
        return {}  # pragma: no cover - fail() raises

    def to_representation(self, value: Any) -> Any:
        return value


class CaseCreateInput(serializers.Serializer[dict[str, Any]]):
    beneficiary = BeneficiaryRefField()
    channel = serializers.CharField(max_length=60)
    intake = serializers.DictField(
        required=False,
        default=dict,
        help_text="answers to the intake form of the policy in force (GET /api/v1/policy/effective), "
        "by field code; a group is a list of objects",
    )
    assigned_to = serializers.IntegerField(required=False, allow_null=True, default=None)


class TransitionInput(serializers.Serializer[dict[str, Any]]):
    action = serializers.ChoiceField(choices=sorted(services.ACTIONS))
    revision = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="the case revision the caller saw"
    )
    step = serializers.CharField(
        required=False, allow_null=True, default=None, help_text="the step the caller saw"
    )
    data = serializers.DictField(  # type: ignore[assignment]
        required=False,
        default=dict,
        help_text="the action's data; keys sent beside `action` are read as data too",
    )


class RatingInput(serializers.Serializer[dict[str, Any]]):
    # The range is declared for the schema; the service refuses a score outside it (invalid_score).
    score = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    service = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="the service delivered being rated (its id in `services`); needed when the request "
        "has more than one. Each service is rated once.",
    )


class TokenCreateInput(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=100)
    # Re-authentication (accounts.reauth): the authenticator's code, or the password without MFA.
    code = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")


# --- output -------------------------------------------------------------------------------------


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
                "actor": _person(e.actor),
                "data": e.data,
                "created_at": _iso(e.created_at),
            }
            for e in events
        ],
    }


# --- documentation of the payloads --------------------------------------------------------------


class PersonSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BeneficiaryRowSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    national_id = serializers.CharField()
    full_name_ar = serializers.CharField()
    phone = serializers.CharField(allow_null=True, help_text="E.164, e.g. +966512345678")
    city = serializers.CharField()
    merged_into = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class HouseholdMemberSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    full_name_ar = serializers.CharField()
    relation = serializers.ChoiceField(choices=Relation.choices)
    national_id = serializers.CharField(allow_null=True)
    birth_date = serializers.DateField(allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, allow_null=True)


class DocumentSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    case = serializers.IntegerField(allow_null=True)
    uploaded_at = serializers.DateTimeField()


class LikelyDuplicateSerializer(serializers.Serializer[dict[str, Any]]):
    flag = serializers.IntegerField()
    beneficiary = serializers.IntegerField()
    reason = serializers.CharField()


class BeneficiarySerializer(BeneficiaryRowSerializer):
    birth_date = serializers.DateField(allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, allow_null=True)
    notes = serializers.CharField()
    updated_at = serializers.DateTimeField()
    household = HouseholdMemberSerializer(many=True)
    documents = DocumentSerializer(many=True)
    likely_duplicates = LikelyDuplicateSerializer(many=True)


class DuplicateSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()
    beneficiary = BeneficiaryRowSerializer()
    other = BeneficiaryRowSerializer()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


class CaseBeneficiarySerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    full_name_ar = serializers.CharField()


class CaseRowSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="open or closed")
    step = serializers.CharField()
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices, allow_null=True)
    channel = serializers.CharField()
    policy_version = serializers.IntegerField(help_text="the version pinned when the case opened")
    beneficiary = CaseBeneficiarySerializer()
    assigned_to = PersonSerializer(allow_null=True)
    decision_due = serializers.DateTimeField(allow_null=True, help_text="null before committee review")
    decision_due_hijri = serializers.CharField(allow_null=True, help_text="Umm al-Qura, YYYY-MM-DD")
    decision_due_hijri_text = serializers.CharField(allow_null=True)
    overdue = serializers.BooleanField()
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StepStateSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    label_ar = serializers.CharField()
    label_en = serializers.CharField()
    state = serializers.ChoiceField(
        choices=list(STATES),
        help_text="done, skipped (passed without its work), current, pending (ahead of an open case), "
        "closed (where a rejected or withdrawn case stopped), not_reached (after it)",
    )


class TimelineEntrySerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    action = serializers.CharField()
    from_step = serializers.CharField(allow_null=True)
    to_step = serializers.CharField(allow_null=True)
    actor = PersonSerializer(allow_null=True)
    data = serializers.DictField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()


class CaseDetailSerializer(CaseRowSerializer):
    closed_reason = serializers.CharField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    steps = StepStateSerializer(many=True)
    referral_target = serializers.CharField(allow_null=True)
    deciding_body = serializers.CharField()
    review_window = serializers.CharField(help_text="ISO 8601 duration of the pinned version")
    submitted_for_decision_at = serializers.DateTimeField(allow_null=True)
    opened_by = PersonSerializer(allow_null=True)
    checklist = serializers.ListField(child=serializers.DictField())
    referrals = serializers.ListField(child=serializers.DictField())
    attestation = serializers.DictField(allow_null=True)
    attestation_required = serializers.BooleanField()
    votes = serializers.ListField(child=serializers.DictField(), allow_null=True)
    votes_cast = serializers.IntegerField()
    quorum = serializers.IntegerField(allow_null=True)
    decision = serializers.DictField(allow_null=True)
    services = serializers.ListField(child=serializers.DictField())
    rated = serializers.BooleanField(help_text="every service delivered has been rated (each once)")
    messages = serializers.ListField(
        child=serializers.DictField(),
        help_text="text messages to the beneficiary: id, kind, created_at, status (sent: awaiting the "
        "gateway's delivery report; delivered; undelivered; refused; failed; null while sending), "
        "delivered_at",
    )
    available_actions = serializers.ListField(child=serializers.CharField())
    timeline = TimelineEntrySerializer(many=True)


class AttestationDataSerializer(serializers.Serializer[dict[str, Any]]):
    data = serializers.DictField()  # type: ignore[assignment]
    data_hash = serializers.CharField(help_text="send it back with the attest action")


class RatingSummarySerializer(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    minimum_per_employee = serializers.IntegerField()
    employees = serializers.ListField(child=serializers.DictField())


class TokenSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    token = serializers.CharField(required=False, help_text="shown once, when the token is created")
