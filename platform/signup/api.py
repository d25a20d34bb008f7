"""The sign-up API on the platform's host: anyone may start a sign-up, nobody signs in for it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import not_found
from signup import selectors, services
from signup.choices import BLANK_TEMPLATE
from signup.limits import client_address
from signup.validation import slug_problem


class SignupInput(serializers.Serializer):
    name_ar = serializers.CharField(required=False, allow_blank=True)
    name_en = serializers.CharField(required=False, allow_blank=True)
    licence_number = serializers.CharField(required=False, allow_blank=True)
    sector = serializers.CharField(required=False, allow_blank=True)
    region = serializers.CharField(required=False, allow_blank=True)
    admin_name = serializers.CharField(required=False, allow_blank=True)
    admin_email = serializers.CharField(required=False, allow_blank=True)
    password = serializers.CharField(required=False, allow_blank=True, write_only=True)
    slug = serializers.CharField(required=False, allow_blank=True)
    template = serializers.CharField(required=False, default=BLANK_TEMPLATE)
    accept_terms = serializers.BooleanField(required=False, default=False)


class SignupOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    slug = serializers.CharField()
    step = serializers.CharField()
    progress = serializers.IntegerField()
    url = serializers.CharField(allow_null=True)
    error_code = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class _Public(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class SignupListView(_Public):
    @extend_schema(
        request=SignupInput,
        responses={
            201: SignupOutput,
            429: OpenApiResponse(
                description="Too many sign-ups from this client address or with this email lately "
                "(code too_many_signups); Retry-After gives the seconds to wait."
            ),
        },
        operation_id="signups_create",
    )
    def post(self, request: Request) -> Response:
        """Start a sign-up: the admin gets an email with a link that starts provisioning."""
        data = request.data if hasattr(request.data, "get") else {}
        signup, _token = services.signup_create(
            data=data, language=get_language() or "ar", client_address=client_address(request)
        )
        return Response(selectors.signup_state(signup), status=201)


class SignupDetailView(_Public):
    @extend_schema(responses={200: SignupOutput}, operation_id="signups_retrieve")
    def get(self, request: Request, signup_id: str) -> Response:
        """A sign-up's progress: pending_verification, provisioning, then active with its site's url."""
        signup = selectors.signup_get(signup_id)
        if signup is None:
            raise not_found()
        return Response(selectors.signup_state(signup))


class SignupVerifyView(_Public):
    @extend_schema(
        request=inline_serializer("SignupVerifyInput", {"token": serializers.CharField()}),
        responses={200: SignupOutput},
        operation_id="signups_verify",
    )
    def post(self, request: Request) -> Response:
        """Verify the email with the link's token (what opening the link does)."""
        token = request.data.get("token", "") if hasattr(request.data, "get") else ""
        signup = services.signup_verify(token=str(token))
        return Response(selectors.signup_state(signup))


class SlugCheckView(_Public):
    @extend_schema(
        parameters=[OpenApiParameter("slug", str, required=True)],
        responses={
            200: inline_serializer(
                "SlugCheck",
                {
                    "slug": serializers.CharField(),
                    "available": serializers.BooleanField(),
                    "code": serializers.CharField(),
                    "message": serializers.CharField(),
                },
            )
        },
        operation_id="signups_slug_check",
    )
    def get(self, request: Request) -> Response:
        """Whether a subdomain can be had, checked as the person types."""
        slug = str(request.query_params.get("slug", "")).strip().lower()
        problem = slug_problem(slug)
        lang = get_language() or "ar"
        return Response(
            {
                "slug": slug,
                "available": problem is None,
                "code": problem.code if problem else "available",
                "message": problem.message(lang) if problem else ("متاح" if lang == "ar" else "Available"),
            }
        )
