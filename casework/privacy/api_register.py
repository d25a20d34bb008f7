"""The association admin's privacy API beside the rights requests: the retention periods, the
access log, the breach register and the record of processing. Thin: parse, call a service or
selector, shape. Each request body's schema is as strict as its validation, so a client (or a
fuzzer) that follows the schema is never refused with a 400."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import request_user
from casework import roles
from casework.api.filters import filters_read
from casework.privacy import breaches, processing, retention
from casework.privacy.models import AccessAction, AccessLogEntry, Breach, RetentionClass
from core.api import ErrorSerializer, role_permission

AdminOnly = role_permission(roles.ADMIN)
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}

# Text that must say something: one character that is not a space (the service strips them),
# and, like all text, no NUL character (core.openapi).
NOT_BLANK = RegexValidator(
    r"^[^\u0000]*[^\s\u0000][^\u0000]*$", message=_("This field may not be blank."), code="blank"
)


def not_blank(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(validators=[NOT_BLANK], **kwargs)


# --- retention ------------------------------------------------------------------------------------


class RetentionRuleSerializer(serializers.Serializer[dict[str, Any]]):
    data_class = serializers.ChoiceField(choices=RetentionClass.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    years = serializers.IntegerField()
    default = serializers.IntegerField()
    minimum = serializers.IntegerField(help_text="the legal minimum")
    maximum = serializers.IntegerField()


class RetentionInput(serializers.Serializer[dict[str, Any]]):
    data_class = serializers.ChoiceField(choices=RetentionClass.choices)
    years = serializers.IntegerField(min_value=0, max_value=100)


def _retention_input_of(data_class: RetentionClass) -> type[serializers.Serializer[dict[str, Any]]]:
    """The body for one class, with that class's bounds (``retention.BOUNDS``), for the schema."""
    bounds = retention.BOUNDS[data_class]
    name = "".join(part.title() for part in data_class.value.split("_"))
    return type(
        f"Retention{name}Input",
        (serializers.Serializer,),
        {
            "data_class": serializers.ChoiceField(choices=[(data_class.value, data_class.label)]),
            "years": serializers.IntegerField(
                min_value=bounds.minimum,
                max_value=bounds.maximum,
                help_text=f"from the legal minimum ({bounds.minimum}) to {bounds.maximum}",
            ),
        },
    )


RETENTION_INPUT_SCHEMA = PolymorphicProxySerializer(
    component_name="RetentionInput",
    serializers={choice.value: _retention_input_of(choice) for choice in RetentionClass},
    resource_type_field_name="data_class",
)


class RetentionView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(responses={200: RetentionRuleSerializer(many=True)}, tags=["privacy"])
    def get(self, request: Request) -> Response:
        return Response(retention.retention_table())

    @extend_schema(
        request=RETENTION_INPUT_SCHEMA,
        responses={200: RetentionRuleSerializer(many=True), **ERRORS},
        tags=["privacy"],
        description="Set how many years a class of records is kept, within its bounds; below the "
        "legal minimum: 400 `below_legal_minimum`, above the maximum: 400 `above_maximum`.",
    )
    def put(self, request: Request) -> Response:
        data = RetentionInput(data=request.data)
        data.is_valid(raise_exception=True)
        retention.retention_rule_set(
            actor=request_user(request),
            data_class=data.validated_data["data_class"],
            years=data.validated_data["years"],
        )
        return Response(retention.retention_table())


# --- the access log -------------------------------------------------------------------------------


class AccessLogRowSerializer(serializers.Serializer[dict[str, Any]]):
    at = serializers.DateTimeField()
    user_email = serializers.CharField()
    action = serializers.ChoiceField(choices=AccessAction.choices)
    beneficiary = serializers.IntegerField(allow_null=True)
    case = serializers.IntegerField(allow_null=True)
    document = serializers.IntegerField(allow_null=True)
    listed_beneficiaries = serializers.ListField(
        child=serializers.IntegerField(), help_text="for `list`: the records the page showed"
    )
    listed_cases = serializers.ListField(
        child=serializers.IntegerField(), help_text="for `list`: the requests the page showed"
    )
    via = serializers.CharField()


class AccessLogFilters(serializers.Serializer[dict[str, Any]]):
    beneficiary = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="one person's reads only (their record read, and the lists that showed it)",
    )


class AccessLogView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        parameters=[AccessLogFilters],
        responses={200: AccessLogRowSerializer(many=True), **ERRORS},
        tags=["privacy"],
        description="Who read whose record, request or document, which records each page of a list "
        "showed, and every export (the latest 500).",
    )
    def get(self, request: Request) -> Response:
        wanted = filters_read(AccessLogFilters, request).get("beneficiary")
        rows = AccessLogEntry.objects.all()
        if wanted is not None:
            rows = rows.filter(beneficiary_id=wanted) | rows.filter(listed_beneficiaries__contains=[wanted])
        return Response(
            [
                {
                    "at": r.at,
                    "user_email": r.user_email,
                    "action": r.action,
                    "beneficiary": r.beneficiary_id,
                    "case": r.case_id,
                    "document": r.document_id,
                    "listed_beneficiaries": r.listed_beneficiaries,
                    "listed_cases": r.listed_cases,
                    "via": r.via,
                }
                for r in rows[:500]
            ]
        )


# --- the breach register --------------------------------------------------------------------------


class BreachSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    what_happened = serializers.CharField()
    data_affected = serializers.CharField()
    people_affected = serializers.IntegerField()
    found_at = serializers.DateTimeField()
    authority_deadline = serializers.DateTimeField(help_text="72 hours after it was found")
    clock = serializers.ChoiceField(choices=["notified_in_time", "notified_late", "open", "overdue"])
    hours_left = serializers.IntegerField(allow_null=True)
    authority_notified_at = serializers.DateTimeField(allow_null=True)
    people_notified_at = serializers.DateTimeField(allow_null=True)
    notifications = serializers.CharField(allow_blank=True)
    measures = serializers.CharField(allow_blank=True)
    revision = serializers.IntegerField()


def breach_payload(breach: Breach) -> dict[str, Any]:
    state = breaches.clock(breach)
    return {
        "id": breach.pk,
        "what_happened": breach.what_happened,
        "data_affected": breach.data_affected,
        "people_affected": breach.people_affected,
        "found_at": breach.found_at,
        "authority_deadline": state["deadline"],
        "clock": state["state"],
        "hours_left": state["hours_left"],
        "authority_notified_at": breach.authority_notified_at,
        "people_notified_at": breach.people_notified_at,
        "notifications": breach.notifications,
        "measures": breach.measures,
        "revision": breach.revision,
    }


class BreachInput(serializers.Serializer[dict[str, Any]]):
    """A change to a breach: any of its fields (times not in the future, nor before 2000, nor a
    notification before the finding: the service's field errors)."""

    what_happened = not_blank(max_length=10_000, required=False)
    data_affected = not_blank(max_length=10_000, required=False)
    people_affected = serializers.IntegerField(min_value=0, max_value=100_000_000, required=False)
    found_at = serializers.DateTimeField(required=False)
    authority_notified_at = serializers.DateTimeField(required=False, allow_null=True)
    people_notified_at = serializers.DateTimeField(required=False, allow_null=True)
    notifications = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    measures = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    revision = serializers.IntegerField(required=False, allow_null=True)


class BreachCreateInput(BreachInput):
    """A new breach: what happened, which data, how many people and when it was found are required."""

    what_happened = not_blank(max_length=10_000)
    data_affected = not_blank(max_length=10_000)
    people_affected = serializers.IntegerField(min_value=0, max_value=100_000_000)
    found_at = serializers.DateTimeField()


class BreachListView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(responses={200: BreachSerializer(many=True)}, tags=["privacy"])
    def get(self, request: Request) -> Response:
        return Response([breach_payload(b) for b in Breach.objects.all()[:200]])

    @extend_schema(
        request=BreachCreateInput,
        responses={201: BreachSerializer, **ERRORS},
        tags=["privacy"],
        description="Record a personal data breach; the authority must be notified within 72 hours of "
        "`found_at` (`clock`, `hours_left`). A time in the future, before 2000, or a notification "
        "before the finding: 400 naming the field.",
    )
    def post(self, request: Request) -> Response:
        data = BreachCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "revision"}
        breach = breaches.breach_record(actor=request_user(request), values=values)
        return Response(breach_payload(breach), status=201)


class BreachDetailView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        request=BreachInput,
        responses={200: BreachSerializer, **ERRORS},
        tags=["privacy"],
        description="Add the notifications made and the measures taken; send `revision` to get 409 if "
        "someone changed it meanwhile.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = BreachInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "revision"}
        breach = breaches.breach_update(
            actor=request_user(request),
            breach_id=pk,
            values=values,
            expected_revision=data.validated_data.get("revision"),
        )
        return Response(breach_payload(breach))


class RecordOfProcessingView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        tags=["privacy"],
        description="The association's record of processing activities (purposes, lawful bases, data "
        "classes with its intake form's questions, data subjects, recipients, retention, transfers, "
        "security measures), filled in from what Sila knows.",
    )
    def get(self, request: Request) -> Response:
        return Response(processing.record_of_processing())
