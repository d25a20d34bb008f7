"""The team API: association administrators only (403 for everyone else)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, team
from accounts.auth import request_user
from accounts.models import RoleCode
from accounts.reauth import api_reauthentication
from accounts.roles import ASSOCIATION_ROLE_CODES
from core.api import ErrorSerializer, role_permission

Admins = role_permission(RoleCode.ASSOCIATION_ADMIN)


class StaffSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    is_active = serializers.BooleanField()
    mfa_enabled = serializers.BooleanField()
    last_login = serializers.DateTimeField(allow_null=True)
    active_sessions = serializers.IntegerField()
    board_role = serializers.CharField(allow_null=True, help_text="chair, vice_chair, ... when on the board")
    board_seat = serializers.IntegerField(
        allow_null=True, help_text="the board seat this account sits in (GET /api/v1/policy/board/seats/)"
    )


class Reauthentication(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        default="",
        help_text="Authenticator code (MFA accounts)",
    )
    password = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "enum": list(ASSOCIATION_ROLE_CODES)},
        "minItems": 1,
        "description": "the association's role codes to grant, at least one (a repeated code counts once)",
    }
)
class RoleCodesField(serializers.ListField):
    """Role codes as they came: ``team`` checks them (at least one, each an association role) and
    names the field at fault, so the schema says what it enforces and the check stays in one place."""

    child = serializers.CharField()


class InvitationInput(Reauthentication):
    email = serializers.CharField(max_length=team.EMAIL_MAX_LENGTH)
    roles = RoleCodesField()


class InvitationSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()


class StaffPatchInput(Reauthentication):
    roles = RoleCodesField(required=False)
    is_active = serializers.BooleanField(required=False)


def _staff(user_id: int) -> dict[str, Any]:
    return next(row for row in selectors.staff_list() if row["id"] == user_id)


class StaffListView(APIView):
    permission_classes = [Admins]

    @extend_schema(responses={200: StaffSerializer(many=True), 403: ErrorSerializer}, tags=["team"])
    def get(self, request: Request) -> Response:
        rows: Any = selectors.staff_list()
        return Response(StaffSerializer(rows, many=True).data)


class InvitationCreateView(APIView):
    permission_classes = [Admins]

    @extend_schema(
        request=InvitationInput,
        responses={201: InvitationSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
        tags=["team"],
    )
    def post(self, request: Request) -> Response:
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        invitation, _token = team.invitation_create(
            actor=request_user(request),
            email=v["email"],
            roles=v["roles"],
            reauthenticate=lambda: api_reauthentication(request, v),
        )
        payload = {
            "id": invitation.pk,
            "email": invitation.email,
            "roles": sorted(r.code for r in invitation.roles.all()),
            "expires_at": invitation.expires_at,
        }
        return Response(InvitationSerializer(payload).data, status=status.HTTP_201_CREATED)


class StaffDetailView(APIView):
    permission_classes = [Admins]

    @extend_schema(
        request=StaffPatchInput,
        responses={
            200: StaffSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
        tags=["team"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = StaffPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        team.staff_update(
            actor=request_user(request),
            user_id=pk,
            roles=v.get("roles"),
            is_active=v.get("is_active"),
            reauthenticate=lambda: api_reauthentication(request, v),
        )
        return Response(StaffSerializer(_staff(pk)).data)
