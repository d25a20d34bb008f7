from __future__ import annotations

from typing import Any

from rest_framework import serializers

from policy_engine.models import PolicyVersion
from policy_engine.rules.intake import CALENDARS, FIELD_TYPES, FILE_TYPES, ITEM_KINDS


class SignatorySerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=120)
    role_en = serializers.CharField(max_length=120, required=False, allow_blank=True)


class BoardApprovalSerializer(serializers.Serializer[dict[str, Any]]):
    method = serializers.CharField()
    meeting_number = serializers.CharField(allow_null=True)
    term = serializers.CharField(allow_null=True)
    session = serializers.CharField(allow_null=True)
    date_gregorian = serializers.DateField()
    date_hijri = serializers.CharField()
    signatories = SignatorySerializer(many=True)
    has_scan = serializers.BooleanField()


class LabelledCodeSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    label_ar = serializers.CharField()
    label_en = serializers.CharField()


class AssociationRefSerializer(serializers.Serializer[dict[str, Any]]):
    slug = serializers.CharField()
    name_ar = serializers.CharField()
    name_en = serializers.CharField()
    licence_number = serializers.CharField(allow_null=True)


class ConditionSerializer(serializers.Serializer[dict[str, Any]]):
    """The field applies when the intake field ``field`` has the answer ``equals`` or one of ``one_of``."""

    field = serializers.CharField()
    equals = serializers.JSONField(required=False)
    one_of = serializers.ListField(child=serializers.CharField(), required=False)


class IntakeFieldSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    type = serializers.ChoiceField(choices=list(FIELD_TYPES))
    label_ar = serializers.CharField()
    label_en = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # DRF pops declared fields
    help_ar = serializers.CharField(required=False)
    help_en = serializers.CharField(required=False)
    options = LabelledCodeSerializer(many=True, required=False)
    calendar = serializers.ChoiceField(choices=list(CALENDARS), required=False, help_text="absent: either")
    file_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(FILE_TYPES)), required=False
    )
    max_size_mb = serializers.IntegerField(required=False)
    fields = serializers.ListField(  # type: ignore[assignment]  # DRF pops declared fields
        child=serializers.DictField(), required=False, help_text="a group's fields, shaped like this one"
    )
    max_rows = serializers.IntegerField(required=False)
    when = ConditionSerializer(required=False)


class IntakeFormSerializer(serializers.Serializer[dict[str, Any]]):
    fields = IntakeFieldSerializer(many=True)  # type: ignore[assignment]  # DRF pops declared fields


class ChecklistItemSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=list(ITEM_KINDS))
    label_ar = serializers.CharField()
    label_en = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # DRF pops declared fields
    help_ar = serializers.CharField(required=False)
    help_en = serializers.CharField(required=False)
    file_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(FILE_TYPES)), required=False
    )
    max_size_mb = serializers.IntegerField(required=False)
    when = ConditionSerializer(required=False)


class EffectivePolicySerializer(serializers.Serializer[dict[str, Any]]):
    """Documents the shape of ``selectors.policy_payload`` for the OpenAPI schema."""

    association = AssociationRefSerializer()
    version = serializers.IntegerField()
    status = serializers.CharField()
    in_force_from = serializers.DateTimeField(allow_null=True)
    beneficiary_term = LabelledCodeSerializer()
    channels = LabelledCodeSerializer(many=True)
    staff_tools = LabelledCodeSerializer(many=True)
    procedure = serializers.ListField(child=serializers.DictField())
    review_window = serializers.CharField()
    referral_target = serializers.CharField(allow_null=True)
    deciding_body = serializers.CharField()
    staff_acknowledgment_required = serializers.BooleanField()
    decision_reason_shared = serializers.BooleanField(
        help_text="the applicant's text message about the decision gives its reason in short"
    )
    contacts = serializers.ListField(child=serializers.DictField())
    bank_accounts = serializers.ListField(child=serializers.DictField())
    board_approval = BoardApprovalSerializer(allow_null=True)
    intake_form = IntakeFormSerializer()
    checklists = serializers.DictField(
        child=ChecklistItemSerializer(many=True), help_text="by procedure step: the items it verifies"
    )


class PolicyVersionListSerializer(serializers.ModelSerializer[PolicyVersion]):
    based_on = serializers.IntegerField(source="based_on.number", allow_null=True, read_only=True)

    class Meta:
        model = PolicyVersion
        fields = [
            "number",
            "status",
            "revision",
            "based_on",
            "created_at",
            "submitted_at",
            "in_force_from",
            "superseded_at",
        ]


class PolicyVersionDetailSerializer(PolicyVersionListSerializer):
    document = serializers.JSONField()
    validation_errors = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField()
    board_approval = serializers.SerializerMethodField()

    class Meta(PolicyVersionListSerializer.Meta):
        fields = [
            *PolicyVersionListSerializer.Meta.fields,
            "document",
            "validation_errors",
            "votes",
            "board_approval",
        ]

    def get_validation_errors(self, obj: PolicyVersion) -> list[dict[str, str]]:
        from policy_engine.rules.validation import validate

        return [e.to_dict() for e in validate(obj.document)]

    def get_votes(self, obj: PolicyVersion) -> list[dict[str, Any]]:
        return [
            {
                "member": v.member.name_ar,
                "choice": v.choice,
                "comment": v.comment,
                "cast_at": v.cast_at.isoformat(),
            }
            for v in obj.votes.all()
        ]

    def get_board_approval(self, obj: PolicyVersion) -> dict[str, Any] | None:
        from policy_engine.selectors import approval_payload

        return approval_payload(obj)


class DraftCreateSerializer(serializers.Serializer[dict[str, Any]]):
    based_on = serializers.IntegerField(required=False, allow_null=True)
    document = serializers.DictField(required=False)
    template = serializers.ChoiceField(
        choices=["rumaila", "jamoum", "mawsam", "tabuk", "baraa"],
        required=False,
        help_text="Start from one of the five founding associations' policies.",
    )


class DraftUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    document = serializers.DictField()
    revision = serializers.IntegerField(min_value=1)


class ValidateSerializer(serializers.Serializer[dict[str, Any]]):
    document = serializers.DictField()


class ReauthenticationFields(serializers.Serializer[dict[str, Any]]):
    """Re-authentication in the request: the authenticator's current code for accounts with a
    second factor, else the password. Not needed right after re-authenticating in the session."""

    code = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, default="", style={"input_type": "password"}
    )


class VoteSerializer(ReauthenticationFields):
    choice = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ApproveSerializer(ReauthenticationFields):
    meeting_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    term = serializers.CharField(required=False, allow_blank=True, default="", max_length=80)
    session = serializers.CharField(required=False, allow_blank=True, default="", max_length=80)
    date_gregorian = serializers.DateField(required=False, allow_null=True, default=None)
    date_hijri = serializers.CharField(required=False, allow_blank=True, default="", max_length=10)


class PaperSignatorySerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=200)
    role_ar = serializers.CharField(max_length=120)
    role_en = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class RecordApprovalSerializer(ApproveSerializer):
    signatories = serializers.ListField(child=PaperSignatorySerializer(), allow_empty=False, min_length=1)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    scan = serializers.FileField(required=False, allow_null=True, default=None)


class AcknowledgeSerializer(serializers.Serializer[dict[str, Any]]):
    signed_name = serializers.CharField(max_length=200)


class AttachmentSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField()


class LocalizedNameSerializer(serializers.Serializer):
    ar = serializers.CharField()
    en = serializers.CharField()


class WordPieceSerializer(serializers.Serializer):
    op = serializers.ChoiceField(
        choices=["same", "removed", "added"],
        help_text="same: in both versions; removed: only in the older; added: only in the newer",
    )
    text = serializers.CharField(help_text="the words, each with the space after it")


class PolicyChangeSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="where in the document, e.g. `procedure.committee_review.window`")
    kind = serializers.ChoiceField(choices=["added", "removed", "changed", "moved"])
    old = serializers.JSONField(allow_null=True, help_text="the value before (a position for `moved`)")
    new = serializers.JSONField(allow_null=True, help_text="the value after (a position for `moved`)")
    section = serializers.CharField()
    attribute = serializers.CharField(allow_null=True)
    subject = LocalizedNameSerializer(allow_null=True, help_text="the entry concerned, by its label")
    words = WordPieceSerializer(many=True, allow_null=True, help_text="changed prose, word by word")
    description_ar = serializers.CharField()
    description_en = serializers.CharField()


class PolicyDiffSerializer(serializers.Serializer):
    from_ = serializers.IntegerField(allow_null=True, help_text="the older version compared")
    to = serializers.IntegerField()
    changes = PolicyChangeSerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields
