"""Query parameters of the casework lists, validated: an unknown filter value is a 400 naming the
parameter, never a silently ignored filter (a client that misspells a step must not get every case).

The serializers double as the OpenAPI description of the parameters (drf-spectacular explodes a
serializer given as ``parameters`` into one query parameter per field)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from casework.models import CaseStatus, DuplicateStatus
from policy_engine.rules.catalog import CatalogKind, codes, is_custom_code


class CaseFilters(serializers.Serializer):
    step = serializers.ChoiceField(choices=codes(CatalogKind.STEP), required=False)
    channel = serializers.ChoiceField(choices=codes(CatalogKind.CHANNEL), required=False)
    status = serializers.ChoiceField(choices=CaseStatus.values, required=False)
    overdue = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="decision past due"
    )
    assigned = serializers.ChoiceField(choices=["me", "none"], required=False)
    beneficiary = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    page = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)
    before_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="keyset page: the cases older than this case id (the last one of the previous page), "
        "without a count; as fast a million cases deep as on the first page. Replaces page.",
    )

    def to_internal_value(self, data: Any) -> Any:
        # Custom codes (custom:<slug>) are valid steps and channels beside the catalogue's.
        data = data.copy() if hasattr(data, "copy") else dict(data)
        custom = {}
        for name in ("step", "channel"):
            if name in data and is_custom_code(str(data.get(name))):
                custom[name] = str(data.get(name))
                del data[name]
        value = super().to_internal_value(data)
        return {**value, **custom}


class DuplicateFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=DuplicateStatus.values, required=False)
    page = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)


class BeneficiaryFilters(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="name words (Arabic-normalised), ID or mobile number",
    )
    page = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)


class PageFilters(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)


def filters_read(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The validated query parameters (a ValidationError, i.e. a 400, for any unknown value)."""
    serializer = serializer_class(data=request.query_params)
    # An empty value (`?step=`) is refused like any other unknown value, not read as "no filter".
    blank = {
        name: [serializers.CharField.default_error_messages["blank"]]
        for name, field in serializer.fields.items()
        if request.query_params.get(name) == "" and not getattr(field, "allow_blank", False)
    }
    if blank:
        raise serializers.ValidationError(blank)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
