"""The privacy API of an association's staff: a beneficiary's consents (list, withdraw) and the
consented check with other associations. Thin: parse, call a service or selector, shape."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import request_user
from casework import roles
from casework.models import Beneficiary
from casework.privacy import consents as privacy
from casework.privacy import crosscheck, rights
from casework.privacy.api_register import not_blank
from casework.privacy.models import (
    AccessAction,
    AccessLogEntry,
    Consent,
    ConsentKind,
    ConsentVia,
    RightKind,
    RightsRequest,
    RightStatus,
)
from core.api import ErrorSerializer, role_permission
from core.errors import not_found

RegistryPermission = role_permission(*roles.REGISTRY_WRITERS, read_roles=roles.REGISTRY_READERS)
CheckPermission = role_permission(*crosscheck.CHECKERS)
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class ConsentSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    standing = serializers.BooleanField(help_text="given and not withdrawn")
    notice_version = serializers.IntegerField(help_text="the privacy notice version the person had seen")
    given_via = serializers.ChoiceField(choices=ConsentVia.choices)
    given_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_via = serializers.CharField(allow_blank=True)


def consent_payload(consent: Consent) -> dict[str, Any]:
    return {
        "kind": consent.kind,
        "label": str(ConsentKind(consent.kind).label),
        "standing": consent.withdrawn_at is None,
        "notice_version": consent.notice.version,
        "given_via": consent.given_via,
        "given_at": consent.given_at,
        "withdrawn_at": consent.withdrawn_at,
        "withdrawn_via": consent.withdrawn_via,
    }


def _beneficiary(pk: int) -> Beneficiary:
    beneficiary = Beneficiary.objects.filter(pk=pk, merged_into__isnull=True).first()
    if beneficiary is None:
        raise not_found("لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")
    return beneficiary


class ConsentListView(APIView):
    permission_classes = [RegistryPermission]

    @extend_schema(responses={200: ConsentSerializer(many=True), 404: ErrorSerializer}, tags=["privacy"])
    def get(self, request: Request, pk: int) -> Response:
        beneficiary = _beneficiary(pk)
        rows = Consent.objects.filter(beneficiary=beneficiary).select_related("notice").order_by("id")
        return Response([consent_payload(c) for c in rows])


class ConsentWithdrawInput(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)


class ConsentWithdrawView(APIView):
    permission_classes = [role_permission(*roles.REGISTRY_WRITERS)]

    @extend_schema(
        request=ConsentWithdrawInput,
        responses={200: ConsentSerializer, **ERRORS},
        tags=["privacy"],
        description="Record that the person withdrew a consent; it stops taking effect now. "
        "A consent withdrawn already (or never given) answers 409 `consent_not_active`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = ConsentWithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        consent = privacy.consent_withdraw(
            actor=request_user(request),
            beneficiary_id=pk,
            kind=data.validated_data["kind"],
            via=ConsentVia.API,
        )
        return Response(consent_payload(consent))


class ServedElsewhereSerializer(serializers.Serializer[dict[str, Any]]):
    association_ar = serializers.CharField()
    association_en = serializers.CharField()
    category_ar = serializers.CharField()
    category_en = serializers.CharField()


class CrossCheckView(APIView):
    permission_classes = [CheckPermission]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "CrossCheckAnswer",
                {
                    "others": serializers.IntegerField(
                        help_text="how many other associations serve this person (with the person's consent)"
                    ),
                    "named": ServedElsewhereSerializer(many=True),
                    "checks_left": serializers.IntegerField(help_text="this hour, for you"),
                },
            ),
            **ERRORS,
            429: ErrorSerializer,
        },
        tags=["privacy"],
        description="Check whether other associations serve this beneficiary of ours, through the shared "
        "register of keyed ID hashes: their number, and which (with the kind of support) only where the "
        "person consented to be named. No name, phone or case crosses. Logged; limited per employee and hour.",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = request_user(request)
        answer = crosscheck.beneficiary_cross_check(actor=user, beneficiary_id=pk, via="api")
        return Response(
            {
                "others": answer.others,
                "named": [
                    {
                        "association_ar": n.name_ar,
                        "association_en": n.name_en,
                        "category_ar": n.category_ar,
                        "category_en": n.category_en,
                    }
                    for n in answer.named
                ],
                "checks_left": crosscheck.checks_left(user),
            }
        )


# --- Rights requests and retention (the association's admin) ------------------------------------

AdminOnly = role_permission(roles.ADMIN)


class RightsRequestSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    beneficiary = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RightKind.choices)
    status = serializers.ChoiceField(choices=RightStatus.choices)
    details = serializers.CharField(allow_blank=True)
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(help_text="30 days after it was received")
    overdue = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(allow_blank=True, help_text="what was done, in the user's language")
    export_url = serializers.CharField(allow_null=True, help_text="the access export (ZIP), when ready")
    export_expired_at = serializers.DateTimeField(
        allow_null=True, help_text="when the access export was deleted, its time to be kept over"
    )
    revision = serializers.IntegerField()


def rights_payload(request: RightsRequest, lang: str) -> dict[str, Any]:
    now = timezone.now()
    return {
        "id": request.pk,
        "beneficiary": request.beneficiary_id,
        "kind": request.kind,
        "status": request.status,
        "details": request.details,
        "received_at": request.received_at,
        "due_at": request.due_at,
        "overdue": request.status == RightStatus.OPEN and request.due_at < now,
        "completed_at": request.completed_at,
        "outcome": rights.outcome_words(request, lang) if request.outcome else "",
        "export_url": reverse("privacy-rights-export", args=[request.pk]) if request.export else None,
        "export_expired_at": request.export_expired_at,
        "revision": request.revision,
    }


class RightsRequestInput(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=RightKind.choices)
    beneficiary = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    national_id = serializers.CharField(required=False, allow_null=True, default=None, max_length=40)
    details = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


def _lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


class RightsRequestListView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(responses={200: RightsRequestSerializer(many=True)}, tags=["privacy"])
    def get(self, request: Request) -> Response:
        rows = RightsRequest.objects.order_by("-id")[:200]
        return Response([rights_payload(r, _lang()) for r in rows])

    @extend_schema(
        request=RightsRequestInput,
        responses={201: RightsRequestSerializer, **ERRORS},
        tags=["privacy"],
        description="Record a person's request to access, correct, erase or restrict their data (by record "
        "id or national ID); it is due within 30 days. A person the association holds nothing on: 400 "
        "`no_such_person`.",
    )
    def post(self, request: Request) -> Response:
        data = RightsRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        opened = rights.rights_request_open(
            actor=request_user(request),
            kind=values["kind"],
            beneficiary_id=values["beneficiary"],
            national_id=values["national_id"],
            details=values["details"],
            via=ConsentVia.API,
        )
        return Response(rights_payload(opened, _lang()), status=201)


class RightsFulfilInput(serializers.Serializer[dict[str, Any]]):
    revision = serializers.IntegerField(required=False, allow_null=True, default=None)
    corrections = serializers.DictField(
        required=False, default=dict, help_text="for a correction: the record's fields and their right values"
    )


class RightsRequestFulfilView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        request=RightsFulfilInput,
        responses={200: RightsRequestSerializer, **ERRORS},
        tags=["privacy"],
        description="Do what the request asks: prepare the access export; apply the corrections; erase "
        "(anonymise at once, or restrict until the retention period ends where the law keeps the record); "
        "restrict. 409 when it was handled already, when `revision` is stale, or when the person has an "
        "open request (erasure, restriction).",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = RightsFulfilInput(data=request.data)
        data.is_valid(raise_exception=True)
        done = rights.rights_request_fulfil(
            actor=request_user(request),
            request_id=pk,
            corrections=data.validated_data["corrections"] or None,
            expected_revision=data.validated_data["revision"],
            via="api",
        )
        return Response(rights_payload(done, _lang()))


class RightsRefuseInput(serializers.Serializer[dict[str, Any]]):
    reason = not_blank(max_length=2000)
    revision = serializers.IntegerField(required=False, allow_null=True, default=None)


class RightsRequestRefuseView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        request=RightsRefuseInput, responses={200: RightsRequestSerializer, **ERRORS}, tags=["privacy"]
    )
    def post(self, request: Request, pk: int) -> Response:
        data = RightsRefuseInput(data=request.data)
        data.is_valid(raise_exception=True)
        done = rights.rights_request_refuse(
            actor=request_user(request),
            request_id=pk,
            reason=data.validated_data["reason"],
            expected_revision=data.validated_data["revision"],
        )
        return Response(rights_payload(done, _lang()))


class RightsRequestExportView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 404: ErrorSerializer},
        tags=["privacy"],
        description="The access export: data.json (every row), files/ and summary-ar.pdf. Logged.",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        found = RightsRequest.objects.filter(pk=pk).exclude(export="").first()
        if found is None:
            raise not_found("لا توجد نسخة بيانات لهذا الطلب.", "This request has no data export.")
        user = request_user(request)
        AccessLogEntry.objects.create(
            user_id=user.pk,
            user_email=user.email,
            action=AccessAction.EXPORT,
            beneficiary_id=found.beneficiary_id,
            via="api:rights-export",
        )
        try:
            handle = found.export.open("rb")
        except FileNotFoundError:  # deleted by the retention job since the row was read
            raise not_found("لا توجد نسخة بيانات لهذا الطلب.", "This request has no data export.") from None
        return FileResponse(handle, as_attachment=True, filename=f"access-{found.pk}.zip")
