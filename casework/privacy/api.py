"""The privacy API of an association's staff: a beneficiary's consents (list, withdraw) and the
consented check with other associations. Thin: parse, call a service or selector, shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import request_user
from casework import roles
from casework.models import Beneficiary
from casework.privacy import consents as privacy
from casework.privacy import crosscheck
from casework.privacy.models import Consent, ConsentKind, ConsentVia
from core.api import role_permission
from core.errors import not_found
from policy_engine.api.views import ErrorSerializer

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
