"""The beneficiary's API, for a mobile client, on the association's host (``/api/v1/public/``):
apply, ask for a sign-in code, exchange it for a short-lived token, list one's own requests.

The token (``Authorization: Bearer silap_…``) is a portal session: 30 minutes, one mobile number,
one association (it lives in that association's schema)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.models import PortalSession
from casework.portal import otp, selectors, services
from casework.portal.views import client_address
from casework.privacy import consents as privacy
from casework.privacy.models import ConsentKind, ConsentVia
from casework.selectors import hijri_date
from casework.services.steps import STATES
from core.parsers import StrictJSONParser
from tenants.db import connection


class PortalTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, PortalSession] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        if connection.schema_name in (settings.PUBLIC_SCHEMA_NAME, settings.SILA_TEMPLATE_SCHEMA):
            raise AuthenticationFailed("Portal tokens are valid on their association's host only.")
        session = otp.session_for_token(header[1].decode("ascii", "replace"))
        if session is None:
            raise AuthenticationFailed("Invalid or expired portal token: sign in again with a code.")
        return None, session

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="portal"'


class HasPortalSession(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, PortalSession)


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=40)


class VerifySerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=40)
    code = serializers.CharField(max_length=20)


class ApplicationSerializer(serializers.Serializer):
    national_id = serializers.CharField(max_length=20)
    full_name_ar = serializers.CharField(max_length=400)
    phone = serializers.CharField(max_length=40)
    city = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    needs = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    intake = serializers.JSONField(
        required=False,
        binary=True,
        help_text="The answers to the association's intake form (GET /api/v1/policy/effective), as a JSON "
        "object; files of file fields are sent as file_<code>.",
    )
    channel = serializers.CharField(max_length=60, required=False)
    attestation_name = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")
    attestation_confirmed = serializers.BooleanField(required=False, default=False)
    consents = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentKind.choices),
        required=False,
        default=list,
        max_length=len(ConsentKind.values),
        help_text="what the applicant consents to (none is assumed): sms, cross_check, cross_check_named",
    )
    notice_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2_000_000_000,
        help_text="the privacy notice version the applicant was shown (GET /api/v1/public/privacy-notice)",
    )


_ACCEPTED = inline_serializer("OtpAccepted", {"detail": serializers.CharField()})


class OtpRequestView(APIView):
    # The portal's forms post form data; clients may send JSON.
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]
    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=PhoneSerializer,
        responses={202: _ACCEPTED, 400: OpenApiResponse(description="Not a Saudi mobile number"), 429: None},
        summary="Ask for a sign-in code by SMS (the same answer whether the number is known or not)",
    )
    def post(self, request: Request) -> Response:
        data = PhoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        otp.otp_request(phone=data.validated_data["phone"], client_address=client_address(request))
        lang = getattr(request, "LANGUAGE_CODE", "ar")
        detail = (
            "If this number is registered with the association, a code is on its way by SMS."
            if str(lang).startswith("en")
            else "إن كان هذا الرقم مسجلًا لدى الجمعية فسيصله رمز برسالة نصية."
        )
        return Response({"detail": detail}, status=202)


class OtpVerifyView(APIView):
    # The portal's forms post form data; clients may send JSON.
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]
    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=VerifySerializer,
        responses={
            200: inline_serializer(
                "PortalToken", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
            ),
            400: OpenApiResponse(description="Wrong, expired or locked code"),
        },
        summary="Exchange a sign-in code for a short-lived portal token",
    )
    def post(self, request: Request) -> Response:
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session, token = otp.otp_verify(phone=data.validated_data["phone"], code=data.validated_data["code"])
        return Response({"token": token, "expires_at": session.expires_at})


class OwnStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    state = serializers.ChoiceField(
        choices=list(STATES),
        help_text="as the association's staff see it: done, skipped, current, pending, closed, not_reached",
    )
    state_label = serializers.CharField()


class OwnServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="send it back to rate this service")
    title = serializers.CharField(help_text="the service in words: kind, amount, date (Hijri and Gregorian)")
    rated = serializers.BooleanField(help_text="each service is rated once")
    score = serializers.IntegerField(allow_null=True, help_text="your rating of it, 1-5, once rated")


class OwnRequestSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    step = serializers.CharField()
    step_label = serializers.CharField()
    steps = OwnStepSerializer(many=True)
    decision_due = serializers.DateTimeField(allow_null=True)
    decision_due_hijri = serializers.CharField(allow_null=True)
    overdue = serializers.BooleanField()
    outcome = serializers.CharField(allow_blank=True)
    outcome_label = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    services = OwnServiceSerializer(many=True, help_text="the services delivered for the request")


class OwnRequestsView(APIView):
    authentication_classes = [PortalTokenAuthentication]
    permission_classes = [HasPortalSession]

    @extend_schema(
        responses={200: OwnRequestSerializer(many=True)}, summary="The signed-in person's requests"
    )
    def get(self, request: Request) -> Response:
        session: PortalSession = request.auth  # type: ignore[assignment]
        lang = "en" if str(getattr(request, "LANGUAGE_CODE", "ar")).startswith("en") else "ar"
        rows = [
            {
                "reference": r.reference,
                "status": r.case.status,
                "step": r.case.step,
                "step_label": r.step_label,
                "steps": [{**step, "state_label": str(step["state_label"])} for step in r.steps],
                "decision_due": r.decision_due,
                "decision_due_hijri": hijri_date(r.decision_due),
                "overdue": r.overdue,
                "outcome": r.case.outcome,
                "outcome_label": r.outcome,
                "created_at": r.case.created_at,
                "services": [
                    {
                        "id": sv.pk,
                        "title": sv.label,
                        "rated": sv.rating is not None,
                        "score": sv.rating.score if sv.rating is not None else None,
                    }
                    for sv in r.services
                ],
            }
            for r in selectors.own_requests(phone=session.phone_e164, lang=lang)
        ]
        return Response(OwnRequestSerializer(rows, many=True).data)


class RatingSerializer(serializers.Serializer):
    service = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="needed when the request has more than one"
    )
    score = serializers.IntegerField(min_value=1, max_value=5, help_text="1 to 5 (5 is best)")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class OwnRatingView(APIView):
    authentication_classes = [PortalTokenAuthentication]
    permission_classes = [HasPortalSession]
    # JSON only: a form cannot say "no service" (null) apart from the word "null".
    parser_classes = [StrictJSONParser]

    @extend_schema(
        request={"application/json": RatingSerializer},
        responses={
            201: inline_serializer("RatingRecorded", {"rated": serializers.BooleanField()}),
            400: OpenApiResponse(description="Field-level errors in the person's language"),
            404: OpenApiResponse(description="Not one of the signed-in person's requests"),
            409: OpenApiResponse(description="This service was rated already, or nothing was delivered yet"),
        },
        summary="Rate one service delivered for one of the signed-in person's requests (once per service)",
    )
    def post(self, request: Request, reference: str) -> Response:
        session: PortalSession = request.auth  # type: ignore[assignment]
        data = RatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.portal_rate(
            phone=session.phone_e164,
            reference=reference,
            service_id=data.validated_data["service"],
            score=data.validated_data["score"],
            comment=data.validated_data["comment"],
        )
        return Response({"rated": True}, status=201)


class ApplicationView(APIView):
    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser, FormParser, StrictJSONParser]

    @extend_schema(
        request={"multipart/form-data": ApplicationSerializer},
        responses={
            201: inline_serializer(
                "ApplicationAccepted",
                {"reference": serializers.CharField(), "channel": serializers.CharField()},
            ),
            400: OpenApiResponse(description="Field-level errors in the applicant's language"),
            409: OpenApiResponse(description="An open request already exists for this ID number"),
        },
        summary="Apply online (documents as files named doc_<code>)",
    )
    def post(self, request: Request) -> Response:
        data = ApplicationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        files = {
            key.removeprefix("doc_"): upload
            for key, upload in request.FILES.items()
            if key.startswith("doc_")
        }
        intake_files = {
            key.removeprefix("file_"): upload
            for key, upload in request.FILES.items()
            if key.startswith("file_")
        }
        answers = values.get("intake")
        if answers is None:
            answers = {"needs": values["needs"]} if values["needs"] else {}
        tracking = services.application_submit(
            national_id=values["national_id"],
            full_name_ar=values["full_name_ar"],
            phone=values["phone"],
            city=values["city"],
            answers=answers if isinstance(answers, dict) else {"intake": answers},
            documents=files,
            intake_files=intake_files,
            attestation_name=values["attestation_name"],
            attestation_confirmed=values["attestation_confirmed"],
            channel=values.get("channel"),
            consents=values["consents"],
            notice_version=values["notice_version"],
            via=ConsentVia.API,
        )
        return Response({"reference": tracking.reference, "channel": tracking.case.channel}, status=201)


class PrivacyNoticeView(APIView):
    """`GET /api/v1/public/privacy-notice`: the association's privacy notice in force (Sila's
    template with its name until it publishes its own) and the consents an application may give."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "PrivacyNotice",
            {
                "version": serializers.IntegerField(
                    allow_null=True,
                    help_text="null until the first request records the template as version 1",
                ),
                "text_ar": serializers.CharField(),
                "text_en": serializers.CharField(),
                "consents": inline_serializer(
                    "ConsentChoice",
                    {
                        "code": serializers.CharField(),
                        "label_ar": serializers.CharField(),
                        "label_en": serializers.CharField(),
                    },
                    many=True,
                ),
            },
        ),
        summary="The privacy notice in force and the consents an application may give",
    )
    def get(self, request: Request) -> Response:
        notice = privacy.notice_in_force()
        text_ar, text_en = (notice.body_ar, notice.body_en) if notice else privacy.notice_template()
        return Response(
            {
                "version": notice.version if notice else None,
                "text_ar": text_ar,
                "text_en": text_en,
                "consents": [
                    {"code": code, "label_ar": label_ar, "label_en": label_en}
                    for code, label_ar, label_en in privacy.consent_labels()
                ],
            }
        )
