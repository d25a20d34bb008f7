"""Query parameters of the casework lists, validated: an unknown filter value is a 400 naming the
parameter, never a silently ignored filter (a client that misspells a step must not get every case).

The serializers double as the OpenAPI description of the parameters (drf-spectacular explodes a
serializer given as ``parameters`` into one query parameter per field)."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request

from casework import selectors
from casework.models import CaseStatus, DuplicateStatus


class PolicyCodeField(serializers.CharField):
    """A step or channel of the association's policy (``kind``): any other code, the catalogue's
    included, is a 400 naming the parameter and the codes the policy has."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(max_length=60, required=False, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        codes = cast("CaseFilters", self.parent).policy_codes()[self.kind]
        if value not in codes:
            message = (
                _("This is not a step of the association's policy. One of: %(codes)s.")
                if self.kind == "step"
                else _("This is not a channel of the association's policy. One of: %(codes)s.")
            )
            raise serializers.ValidationError(
                message % {"codes": ", ".join(codes) or "—"}, code=f"unknown_{self.kind}"
            )
        return value


class CaseFilters(serializers.Serializer):
    step = PolicyCodeField(
        "step",
        help_text="a step of the association's policy (of the version in force or one it superseded)",
    )
    channel = PolicyCodeField(
        "channel",
        help_text="a channel of the association's policy (of the version in force or one it superseded)",
    )
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

    _codes: dict[str, tuple[str, ...]] | None = None

    def policy_codes(self) -> dict[str, tuple[str, ...]]:
        """Read once, and only when a step or channel is asked for."""
        if self._codes is None:
            self._codes = selectors.policy_codes()
        return self._codes


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
