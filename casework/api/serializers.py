"""What the casework API reads and answers.

Input serializers check only the shape (types, lengths); the services check the meaning and
answer field by field (an action's input is parsed by its own declaration, see
``casework.services.actions.inputs``). Output is built by the ``*_payload`` functions of
``casework.api.payloads``; the ``*Serializer`` classes below document those shapes for the schema.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework import services
from casework.api import payloads
from casework.models import (
    CaseOutcome,
    Gender,
    Relation,
)
from casework.privacy.api import ServedElsewhereSerializer
from casework.privacy.intake_check import NOT_CHECKED_REASONS
from casework.privacy.models import ConsentKind, LawfulBasis
from casework.services.actions.inputs import spec_of
from casework.services.steps import STATES

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


class PrivacyAtIntakeInput(serializers.Serializer[dict[str, Any]]):
    notice_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2_000_000_000,
        help_text="the privacy notice version the applicant was given; default: the one in force",
    )
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices, required=False, default="request")
    consents = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentKind.choices),
        required=False,
        default=list,
        max_length=len(ConsentKind.values),
        help_text="what the applicant consents to",
    )


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
    privacy = PrivacyAtIntakeInput(
        required=False,
        default=None,
        allow_null=True,
        help_text="what the applicant was told and consented to; omitted: consents were not asked "
        "(the request records the notice in force and no consent)",
    )


def _action_inputs() -> str:
    """Each action's input as its declaration says (the one place it is written)."""
    lines = []
    for action, rule in services.ACTIONS.items():
        names = []
        for field in dataclasses.fields(rule.input):
            spec = spec_of(rule.input, field.name)
            if spec is None:  # pragma: no cover - every field is declared with a spec
                continue
            kind = "one of " + "/".join(code for code, _label in spec.choices) if spec.choices else spec.kind
            names.append(f"`{field.name}` ({kind}{', required' if spec.required else ''})")
        lines.append(f"- `{action}`: {', '.join(names) or 'nothing'}")
    return "\n".join(lines)


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
        help_text="the action's input (keys sent beside `action` are read as input too); a field "
        "the action does not take, a value of the wrong type or a choice not offered is a 400 naming "
        "the field. By action:\n" + _action_inputs(),
    )


class ScoreField(serializers.IntegerField):
    """A rating from 1 to 5: declared so in the schema (minimum, maximum), refused outside it with
    the service's own code and words (``invalid_score``, casework.services.ratings)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=5, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        value = super().to_internal_value(data)
        if not 1 <= value <= 5:
            arabic = (get_language() or "ar").startswith("ar")
            raise serializers.ValidationError(
                "التقييم من ١ إلى ٥." if arabic else "The rating is 1 to 5.", code="invalid_score"
            )
        return int(value)


class RatingInput(serializers.Serializer[dict[str, Any]]):
    score = ScoreField()
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


# --- output: built in casework.api.payloads (the names keep working from here) -----------------

beneficiary_row = payloads.beneficiary_row
member_payload = payloads.member_payload
document_payload = payloads.document_payload
beneficiary_payload = payloads.beneficiary_payload
duplicate_payload = payloads.duplicate_payload
case_row = payloads.case_row
case_payload = payloads.case_payload


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
    from_step_state = serializers.ChoiceField(
        choices=["done", "skipped"],
        allow_null=True,
        help_text="for an entry that left a step: that step's state in `steps` (skipped: passed "
        "without its work)",
    )
    closed_at_step = serializers.CharField(
        allow_null=True, help_text="for the entry that closed the case: the step it closed at"
    )
    not_reached = serializers.ListField(
        child=serializers.CharField(),
        help_text="for the entry that closed a rejected or withdrawn case: the steps it never reached "
        "(the `not_reached` ones of `steps`)",
    )
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


class IntakeCrossCheckSerializer(serializers.Serializer[dict[str, Any]]):
    """The cross-association check made as part of the intake (docs/adr/0019)."""

    checked = serializers.BooleanField(
        help_text="the check was made, as you (logged, counted toward your hourly limit)"
    )
    not_checked_reason = serializers.ChoiceField(
        choices=NOT_CHECKED_REASONS,
        allow_null=True,
        help_text="null when checked; not_consented: the person's consent to the check does not stand "
        "here (nothing is logged); limit_reached: your checks for this hour are spent; unavailable: "
        "it could not be made now. The record is saved in every case.",
    )
    others = serializers.IntegerField(
        allow_null=True,
        help_text="how many other associations serve this person (with the person's consent); "
        "null when not checked",
    )
    named = ServedElsewhereSerializer(
        many=True, help_text="those of them the person consented to be named (empty when not checked)"
    )
    message = serializers.CharField(
        help_text="the answer in words, in the request's language (empty when no check was due)"
    )


class BeneficiaryCreatedSerializer(BeneficiarySerializer):
    served_elsewhere = IntakeCrossCheckSerializer()


class CaseCreatedSerializer(CaseDetailSerializer):
    served_elsewhere = IntakeCrossCheckSerializer()


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
