"""The board's seats and their accounts (association administrators only): list the seats, seat an
account or unseat it, invite someone for a vacant seat. Board and team stay one list: the team
API (GET /api/v1/staff/) says which seat each account sits in."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import team
from accounts.auth import request_user
from accounts.models import RoleCode
from accounts.reauth import api_reauthentication
from core.api import ErrorSerializer, role_permission
from policy_engine import services
from policy_engine.api.serializers import ReauthenticationFields
from policy_engine.models import BoardMember

AdminOnly = role_permission(RoleCode.ASSOCIATION_ADMIN)


class SeatSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    name_ar = serializers.CharField()
    name_en = serializers.CharField()
    role = serializers.CharField(help_text="chair, vice_chair, secretary, treasurer or member")
    is_active = serializers.BooleanField(help_text="false for a former member")
    user = serializers.IntegerField(
        allow_null=True, help_text="the account sitting here (GET /api/v1/staff/)"
    )
    email = serializers.EmailField(allow_null=True)


class SeatLinkInput(ReauthenticationFields):
    user = serializers.IntegerField(
        allow_null=True, min_value=1, help_text="the account to seat here; null unseats whoever sits here"
    )


class SeatInvitationInput(ReauthenticationFields):
    email = serializers.CharField(max_length=team.EMAIL_MAX_LENGTH)


class SeatInvitationSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()
    board_seat = serializers.IntegerField()


def _row(seat: BoardMember) -> dict[str, Any]:
    return {
        "id": seat.pk,
        "name_ar": seat.name_ar,
        "name_en": seat.name_en,
        "role": seat.role,
        "is_active": seat.is_active,
        "user": seat.user_id,
        "email": seat.user.email if seat.user else None,
    }


class SeatListView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(responses={200: SeatSerializer(many=True), 403: ErrorSerializer}, tags=["board"])
    def get(self, request: Request) -> Response:
        seats = BoardMember.objects.select_related("user").order_by("-is_active", "role", "name_ar")
        rows: Any = [_row(seat) for seat in seats]
        return Response(SeatSerializer(rows, many=True).data)


class SeatDetailView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        request=SeatLinkInput,
        responses={
            200: SeatSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
        tags=["board"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = SeatLinkInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if "user" not in v:  # a PATCH that changes nothing answers the seat as it is
            unchanged = BoardMember.objects.select_related("user").filter(pk=pk).first()
            if unchanged is None:
                raise NotFound()
            return Response(SeatSerializer(_row(unchanged)).data)
        seat = services.board_seat_link(
            actor=request_user(request),
            seat_id=pk,
            user_id=v["user"],
            reauthenticate=lambda: api_reauthentication(request, v),
        )
        seat = BoardMember.objects.select_related("user").get(pk=seat.pk)
        return Response(SeatSerializer(_row(seat)).data)


class SeatInvitationView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        request=SeatInvitationInput,
        responses={
            201: SeatInvitationSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
        tags=["board"],
    )
    def post(self, request: Request, pk: int) -> Response:
        data = SeatInvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        invitation, _token = services.board_seat_invite(
            actor=request_user(request),
            seat_id=pk,
            email=v["email"],
            reauthenticate=lambda: api_reauthentication(request, v),
        )
        payload = {
            "id": invitation.pk,
            "email": invitation.email,
            "roles": sorted(r.code for r in invitation.roles.all()),
            "expires_at": invitation.expires_at,
            "board_seat": pk,
        }
        return Response(SeatInvitationSerializer(payload).data, status=status.HTTP_201_CREATED)
