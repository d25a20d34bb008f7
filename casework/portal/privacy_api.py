"""The beneficiary's data rights through the API (``/api/v1/public/privacy/``), with the portal
token of ``casework.portal.api``: what the association holds on their consents and their requests
about their data, a new request (access, correction, erasure, restriction), a consent withdrawn.
Errors are field-level, in the person's language (``Accept-Language``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.models import PortalSession
from casework.portal import privacy as portal_privacy
from casework.portal.api import HasPortalSession, PortalTokenAuthentication
from casework.privacy.models import ConsentKind, RightKind, RightStatus
from core.parsers import StrictJSONParser


def _lang(request: Request) -> str:
    return "en" if str(getattr(request, "LANGUAGE_CODE", "ar")).startswith("en") else "ar"


class OwnConsentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    given_at = serializers.DateTimeField()
    withdrawn_at = serializers.DateTimeField(allow_null=True, help_text="null while the consent stands")


class OwnRightsRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RightKind.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.ChoiceField(choices=RightStatus.choices)
    status_label = serializers.CharField()
    details = serializers.CharField(allow_blank=True)
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(help_text="the association answers by then (30 days)")
    completed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField(allow_blank=True, help_text="the answer, in words, once handled")


class OwnPersonPrivacySerializer(serializers.Serializer):
    person = serializers.IntegerField(
        help_text="send it back as `person` when more than one record carries the mobile number"
    )
    consents = OwnConsentSerializer(many=True)
    rights_requests = OwnRightsRequestSerializer(many=True)


class RightsAskSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RightKind.choices)
    details = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        default="",
        help_text="required for a correction: what is wrong and what it should be",
    )
    person = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**53
    )


class WithdrawSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    person = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**53
    )


def _rows(session: PortalSession, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "person": p.person.pk,
            "consents": [c.__dict__ for c in p.consents],
            "rights_requests": [{**r.__dict__, "id": r.pk} for r in p.requests],
        }
        for p in portal_privacy.own_privacy(phone=session.phone_e164, lang=lang)
    ]


class OwnPrivacyView(APIView):
    authentication_classes = [PortalTokenAuthentication]
    permission_classes = [HasPortalSession]

    @extend_schema(
        responses={200: OwnPersonPrivacySerializer(many=True)},
        summary="The signed-in person's consents and requests about their data (one entry per record "
        "carrying the mobile number)",
    )
    def get(self, request: Request) -> Response:
        session: PortalSession = request.auth  # type: ignore[assignment]
        return Response(OwnPersonPrivacySerializer(_rows(session, _lang(request)), many=True).data)


class OwnRightsRequestView(APIView):
    authentication_classes = [PortalTokenAuthentication]
    permission_classes = [HasPortalSession]
    parser_classes = [StrictJSONParser]

    @extend_schema(
        request={"application/json": RightsAskSerializer},
        responses={
            201: OwnRightsRequestSerializer,
            400: OpenApiResponse(description="Field-level errors in the person's language"),
            404: OpenApiResponse(description="No record carries the signed-in mobile number"),
            409: OpenApiResponse(description="An open request of this kind exists already"),
        },
        summary="Ask the association for access to, correction, erasure or restriction of one's data "
        "(answered within 30 days)",
    )
    def post(self, request: Request) -> Response:
        session: PortalSession = request.auth  # type: ignore[assignment]
        data = RightsAskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        made = portal_privacy.portal_rights_request(
            phone=session.phone_e164,
            kind=values["kind"],
            details=values["details"],
            person_id=values["person"],
        )
        row = next(
            r for p in _rows(session, _lang(request)) for r in p["rights_requests"] if r["id"] == made.pk
        )
        return Response(OwnRightsRequestSerializer(row).data, status=201)


class OwnConsentWithdrawView(APIView):
    authentication_classes = [PortalTokenAuthentication]
    permission_classes = [HasPortalSession]
    parser_classes = [StrictJSONParser]

    @extend_schema(
        request={"application/json": WithdrawSerializer},
        responses={
            200: OwnConsentSerializer,
            400: OpenApiResponse(description="Field-level errors in the person's language"),
            404: OpenApiResponse(description="No record carries the signed-in mobile number"),
            409: OpenApiResponse(description="No standing consent of this kind (never given, or withdrawn)"),
        },
        summary="Withdraw a consent one gave (it stops taking effect at once)",
    )
    def post(self, request: Request) -> Response:
        session: PortalSession = request.auth  # type: ignore[assignment]
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = portal_privacy.portal_consent_withdraw(
            phone=session.phone_e164,
            kind=data.validated_data["kind"],
            person_id=data.validated_data["person"],
        )
        lang = _lang(request)
        label = portal_privacy.consent_label(consent.kind, lang)
        return Response(
            OwnConsentSerializer(
                {
                    "kind": consent.kind,
                    "label": label,
                    "given_at": consent.given_at,
                    "withdrawn_at": consent.withdrawn_at,
                }
            ).data
        )
