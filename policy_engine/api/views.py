"""The policy API. Thin: parse, call a service or selector, shape the answer."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import request_user
from accounts.models import RoleCode
from accounts.reauth import api_reauthentication
from core.api import ErrorSerializer, role_permission
from core.errors import FieldProblem, invalid, not_found
from core.http import name_file
from core.parsers import StrictJSONParser
from policy_engine import presenters, selectors, services
from policy_engine.api import serializers as s
from policy_engine.models import PolicyVersion
from policy_engine.rules.seeds import load_seed
from policy_engine.rules.validation import validate

STAFF_ROLES = (
    RoleCode.ASSOCIATION_ADMIN,
    RoleCode.RECEPTION_EMPLOYEE,
    RoleCode.SOCIAL_RESEARCH_OFFICER,
    RoleCode.COMMITTEE_MEMBER,
    RoleCode.ADMINISTRATION,
    RoleCode.BOARD_MEMBER,
)
AdminOrReadStaff = role_permission(RoleCode.ASSOCIATION_ADMIN, read_roles=STAFF_ROLES)
AdminOnly = role_permission(RoleCode.ASSOCIATION_ADMIN)
AdminOrBoard = role_permission(RoleCode.ASSOCIATION_ADMIN, RoleCode.BOARD_MEMBER)
Staff = role_permission(*STAFF_ROLES)


def _version(number: int) -> PolicyVersion:
    version = selectors.policy_version_get(number=number)
    if version is None:
        raise not_found("لا يوجد إصدار بهذا الرقم.", "No such policy version.")
    return version


def _detail(number: int) -> dict[str, Any]:
    """A version as the API shows it, read once with its approval, signatories and votes."""
    return dict(s.PolicyVersionDetailSerializer(_version(number)).data)


class EffectivePolicyView(APIView):
    """The version in force, public: anyone may read the policy that governs them."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses={200: s.EffectivePolicySerializer, 404: ErrorSerializer}, tags=["policy"])
    def get(self, request: Request) -> Response:
        version = selectors.policy_version_in_force()
        if version is None:
            raise not_found(
                "لا توجد سياسة نافذة لهذه الجمعية بعد.", "This association has no policy in force yet."
            )
        return Response(selectors.policy_payload(association=request.tenant, version=version))


class VersionListView(APIView):
    permission_classes = [AdminOrReadStaff]

    @extend_schema(responses=s.PolicyVersionListSerializer(many=True), tags=["policy"])
    def get(self, request: Request) -> Response:
        versions = selectors.policy_versions().select_related("based_on")
        return Response(s.PolicyVersionListSerializer(versions, many=True).data)

    @extend_schema(
        request=s.DraftCreateSerializer, responses={201: s.PolicyVersionDetailSerializer}, tags=["policy"]
    )
    def post(self, request: Request) -> Response:
        data = s.DraftCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = data.validated_data.get("template")
        version = services.policy_version_create_draft(
            actor=request_user(request),
            based_on=data.validated_data.get("based_on"),
            document=load_seed(template)["document"] if template else data.validated_data.get("document"),
        )
        return Response(_detail(version.number), status=status.HTTP_201_CREATED)


class VersionDetailView(APIView):
    permission_classes = [AdminOrReadStaff]

    @extend_schema(responses=s.PolicyVersionDetailSerializer, tags=["policy"])
    def get(self, request: Request, number: int) -> Response:
        return Response(_detail(number))

    @extend_schema(
        request=s.DraftUpdateSerializer,
        responses={200: s.PolicyVersionDetailSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
        tags=["policy"],
    )
    def put(self, request: Request, number: int) -> Response:
        data = s.DraftUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.policy_version_update_draft(
            actor=request_user(request),
            number=number,
            document=data.validated_data["document"],
            revision=data.validated_data["revision"],
        )
        return Response(_detail(version.number))


class VersionDiffView(APIView):
    permission_classes = [AdminOrReadStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "against",
                {"type": "integer", "minimum": 1, "maximum": 2147483647},
                description="the other version (default: the one in force, else the one this was based on)",
            )
        ],
        responses={200: s.PolicyDiffSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        description=(
            "The changes from version `against` to version `number`, as the board reads them on the vote "
            "page: texts are compared after normalisation (line endings, trailing spaces, Unicode NFC), so an "
            "untouched copy has no changes; changed prose carries `words`, the text word by word; entries "
            "of a list (channels, staff tools, steps, contacts, accounts) are added, removed, changed or "
            "moved, named by their label in `subject`. Without `against`: the version in force, else the "
            "one this version was started from (`from` is null for a first version with nothing earlier). "
            "`against` equal to `number` is a 400."
        ),
        tags=["policy"],
    )
    def get(self, request: Request, number: int) -> Response:
        new = _version(number)
        against = request.query_params.get("against")
        if against is not None:
            if not against.isdigit():
                raise invalid(
                    [FieldProblem("against", "invalid", "اكتب رقم إصدار.", "A version number is expected.")]
                )
            if int(against) == number:
                raise invalid(
                    [
                        FieldProblem(
                            "against",
                            "same_version",
                            "اختر إصدارًا آخر للمقارنة؛ الإصدار لا يختلف عن نفسه.",
                            "Choose another version to compare with: a version has no differences with itself.",
                        )
                    ]
                )
            old: PolicyVersion | None = _version(int(against))
        else:
            old = presenters.default_comparison(new, selectors.policy_version_in_force())
        changes = selectors.policy_diff(old=old, new=new) if old is not None else []
        return Response(
            {
                "from": old.number if old is not None else None,
                "to": new.number,
                "changes": [c.to_dict() for c in changes],
            }
        )


class SubmitView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        request=None, responses={200: s.PolicyVersionDetailSerializer, 400: ErrorSerializer}, tags=["policy"]
    )
    def post(self, request: Request, number: int) -> Response:
        return Response(
            _detail(services.policy_version_submit(actor=request_user(request), number=number).number)
        )


class VoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=s.VoteSerializer,
        responses={201: s.PolicyVersionDetailSerializer, 409: ErrorSerializer},
        tags=["policy"],
    )
    def post(self, request: Request, number: int) -> Response:
        data = s.VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.board_vote_cast(
            actor=request_user(request),
            number=number,
            choice=data.validated_data["choice"],
            comment=data.validated_data["comment"],
            reauthenticate=lambda: api_reauthentication(request, data.validated_data),
        )
        return Response(_detail(number), status=status.HTTP_201_CREATED)


class ApproveView(APIView):
    permission_classes = [AdminOrBoard]

    @extend_schema(
        request=s.ApproveSerializer,
        responses={200: s.PolicyVersionDetailSerializer, 409: ErrorSerializer},
        tags=["policy"],
    )
    def post(self, request: Request, number: int) -> Response:
        data = s.ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.policy_version_approve(
            actor=request_user(request),
            number=number,
            meeting_number=v["meeting_number"],
            term=v["term"],
            session=v["session"],
            date_gregorian=v["date_gregorian"],
            date_hijri=v["date_hijri"] or None,
            reauthenticate=lambda: api_reauthentication(request, v),
        )
        return Response(_detail(number))


class RecordApprovalView(APIView):
    permission_classes = [AdminOnly]
    parser_classes = [StrictJSONParser, MultiPartParser]

    @extend_schema(
        request=s.RecordApprovalSerializer, responses={200: s.PolicyVersionDetailSerializer}, tags=["policy"]
    )
    def post(self, request: Request, number: int) -> Response:
        payload: Any = request.data
        if hasattr(payload, "getlist") and isinstance(payload.get("signatories"), str):
            # multipart: signatories arrive as one JSON string beside the scan file; a field left
            # empty in a form means "not given" (a blank Gregorian date beside a Hijri one)
            payload = {key: value for key, value in payload.dict().items() if value != ""}
            try:
                payload["signatories"] = json.loads(payload.get("signatories", ""))
            except ValueError:
                raise invalid(
                    [
                        FieldProblem(
                            "signatories",
                            "invalid_json",
                            "أرسل الموقّعين قائمة JSON.",
                            "Send the signatories as a JSON list.",
                        )
                    ]
                ) from None
            payload["scan"] = request.FILES.get("scan")
        data = s.RecordApprovalSerializer(data=payload)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.policy_approval_record_paper(
            actor=request_user(request),
            number=number,
            signatories=v["signatories"],
            meeting_number=v["meeting_number"],
            term=v["term"],
            session=v["session"],
            date_gregorian=v["date_gregorian"],
            date_hijri=v["date_hijri"] or None,
            scan=v["scan"],
            note=v["note"],
        )
        return Response(_detail(number))


class AcknowledgeView(APIView):
    permission_classes = [Staff]

    @extend_schema(
        request=s.AcknowledgeSerializer,
        responses={
            201: inline_serializer("Acknowledgment", {"acknowledged_at": serializers.DateTimeField()})
        },
        tags=["policy"],
    )
    def post(self, request: Request, number: int) -> Response:
        data = s.AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ack = services.staff_acknowledge(
            actor=request_user(request),
            number=number,
            signed_name=data.validated_data["signed_name"],
        )
        return Response({"acknowledged_at": ack.acknowledged_at.isoformat()}, status=status.HTTP_201_CREATED)


class AcknowledgmentsView(APIView):
    permission_classes = [AdminOnly]

    @extend_schema(
        responses=inline_serializer(
            "AcknowledgmentStatus",
            {
                "signed": serializers.ListField(child=serializers.DictField()),
                "pending": serializers.ListField(child=serializers.DictField()),
            },
        ),
        tags=["policy"],
    )
    def get(self, request: Request, number: int) -> Response:
        return Response(selectors.acknowledgment_status(version=_version(number)))


class ValidateView(APIView):
    """Live validation for the draft editor: every problem of a document, at its field."""

    permission_classes = [AdminOrBoard]

    @extend_schema(
        request=s.ValidateSerializer,
        responses=inline_serializer(
            "ValidationResult",
            {
                "valid": serializers.BooleanField(),
                "errors": serializers.ListField(child=serializers.DictField()),
            },
        ),
        tags=["policy"],
    )
    def post(self, request: Request) -> Response:
        data = s.ValidateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        errors = [e.to_dict() for e in validate(data.validated_data["document"])]
        return Response({"valid": not errors, "errors": errors})


class AttachmentUploadView(APIView):
    permission_classes = [AdminOnly]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.AttachmentSerializer},
        responses={
            201: inline_serializer(
                "AttachmentUploaded",
                {
                    "id": serializers.UUIDField(),
                    "name": serializers.CharField(),
                    "size": serializers.IntegerField(),
                    "sha256": serializers.CharField(),
                },
            )
        },
        tags=["policy"],
    )
    def post(self, request: Request) -> Response:
        data = s.AttachmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.policy_attachment_upload(
            actor=request_user(request), upload=data.validated_data["file"]
        )
        return Response(
            {
                "id": str(attachment.id),
                "name": attachment.original_name,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
            status=status.HTTP_201_CREATED,
        )


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    name_file(response, filename)
    return response
