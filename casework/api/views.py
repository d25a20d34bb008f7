"""The casework API, served on each association's host for its own data. Thin: parse, call a
service or selector, shape the answer. Another association's objects are simply not in this
schema: they answer 404, like objects this user's role may not see."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import request_user
from accounts.reauth import api_reauthentication
from casework import roles, selectors, services
from casework.api import serializers as s
from casework.api.filters import BeneficiaryFilters, CaseFilters, DuplicateFilters, filters_read
from casework.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from casework.models import ApiToken, DuplicateStatus
from casework.privacy import intake_check
from casework.privacy.access import access_log_list, access_log_record
from casework.privacy.models import ConsentVia
from core.api import ErrorSerializer, role_permission
from core.errors import not_found

RegistryPermission = role_permission(*roles.REGISTRY_WRITERS, read_roles=roles.REGISTRY_READERS)
RegistryWriters = role_permission(*roles.REGISTRY_WRITERS)
CasePermission = role_permission(*roles.CASE_OPENERS, read_roles=roles.CASEWORK_ROLES)
CaseworkStaff = role_permission(*roles.CASEWORK_ROLES)
AdminOnly = role_permission(roles.ADMIN)

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = super().get_paginated_response_schema(schema)
        out["properties"]["count"] = {
            **out["properties"]["count"],
            "nullable": True,
            "description": "null on a keyset page (before_id): counting a large inbox costs more than the page",
        }
        return out


def keyset_response(request: Request, rows: list[Any], *, size: int, shape: Any) -> Response:
    """A page read by keyset (``before_id``): newest first, ``size`` rows, the next page's link
    carries the last row's id. No count, no offset: page 2,000 costs what page 1 does
    (docs/performance.md, "One big association")."""
    more = len(rows) > size
    rows = rows[:size]
    next_url = None
    if more and rows:
        query = request.query_params.copy()
        query.pop("page", None)
        query["before_id"] = str(rows[-1].pk)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return Response(
        {"count": None, "next": next_url, "previous": None, "results": [shape(row) for row in rows]}
    )


def _beneficiary_response(beneficiary_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    beneficiary = selectors.beneficiary_get(beneficiary_id=beneficiary_id)
    if beneficiary is None:
        raise not_found("لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")
    return Response(s.beneficiary_payload(beneficiary), status=status_code)


def _case_response(request: Request, case_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    user = request_user(request)
    case = selectors.case_get(user=user, case_id=case_id)
    if case is None:
        raise not_found("لا يوجد طلب بهذا الرقم.", "No such case.")
    return Response(s.case_payload(case, user=user), status=status_code)


# --- registry -----------------------------------------------------------------------------------


class BeneficiaryListView(APIView):
    permission_classes = [RegistryPermission]
    pagination_class = Pagination  # declares the list as paginated in the schema

    @extend_schema(
        parameters=[BeneficiaryFilters],
        responses=s.BeneficiaryRowSerializer(many=True),
        tags=["registry"],
    )
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        qs = selectors.beneficiaries_search(query=filters_read(BeneficiaryFilters, request).get("q", ""))
        page = paginator.paginate_queryset(qs, request, view=self) or []
        access_log_list(
            user=request_user(request), via="api:beneficiaries", beneficiary_ids=[b.pk for b in page]
        )
        return paginator.get_paginated_response([s.beneficiary_row(b) for b in page])

    @extend_schema(
        request=s.BeneficiaryCreateInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.BeneficiaryCreatedSerializer, **ERRORS},
        tags=["registry"],
        description="Register a beneficiary. Where the person's consent to the check with other "
        "associations stands here, the check is made as you once the record is saved "
        "(`served_elsewhere`); it never fails the registration.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = s.BeneficiaryCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        beneficiary = services.beneficiary_register(
            actor=request_user(request),
            national_id=v["national_id"],
            full_name_ar=v["full_name_ar"],
            phone=v["phone"],
            birth_date=v["birth_date"],
            gender=v["gender"],
            city=v["city"],
            notes=v["notes"],
            household=v["household"],
        )
        answer = _beneficiary_response(beneficiary.pk, status_code=status.HTTP_201_CREATED)
        check = intake_check.intake_cross_check(
            actor=request_user(request), beneficiary_id=beneficiary.pk, via="api:beneficiary-create"
        )
        answer.data["served_elsewhere"] = intake_check.served_elsewhere_payload(check)
        return answer


class BeneficiaryDetailView(APIView):
    permission_classes = [RegistryPermission]

    @extend_schema(responses={200: s.BeneficiarySerializer, 404: ErrorSerializer}, tags=["registry"])
    def get(self, request: Request, pk: int) -> Response:
        answer = _beneficiary_response(pk)
        access_log_record(user=request_user(request), via="api:beneficiary", beneficiary_id=pk)
        return answer

    @extend_schema(
        request=s.BeneficiaryUpdateInput,
        responses={200: s.BeneficiarySerializer, **ERRORS},
        tags=["registry"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = s.BeneficiaryUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.beneficiary_update(
            actor=request_user(request), beneficiary_id=pk, changes=data.validated_data
        )
        return _beneficiary_response(pk)


class BeneficiaryDocumentView(APIView):
    permission_classes = [RegistryWriters]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.DocumentInput},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.DocumentSerializer, **ERRORS},
        tags=["registry"],
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        data = s.DocumentInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.beneficiary_document_upload(
            actor=request_user(request),
            beneficiary_id=pk,
            upload=data.validated_data["file"],
            kind=data.validated_data["kind"],
            case_id=data.validated_data["case"],
        )
        return Response(s.document_payload(document), status=status.HTTP_201_CREATED)


class DuplicateListView(APIView):
    permission_classes = [RegistryWriters]
    pagination_class = Pagination  # declares the list as paginated in the schema

    @extend_schema(
        parameters=[DuplicateFilters],
        responses=s.DuplicateSerializer(many=True),
        tags=["registry"],
    )
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        wanted = filters_read(DuplicateFilters, request).get("status", DuplicateStatus.OPEN)
        qs = selectors.duplicate_flags(status=wanted)
        page = paginator.paginate_queryset(qs, request, view=self) or []
        access_log_list(
            user=request_user(request),
            via="api:duplicates",
            beneficiary_ids=[i for flag in page for i in (flag.beneficiary_id, flag.other_id)],
        )
        return paginator.get_paginated_response([s.duplicate_payload(f) for f in page])


class DuplicateMergeView(APIView):
    permission_classes = [RegistryWriters]

    @extend_schema(
        request=s.MergeInput, responses={200: s.BeneficiarySerializer, **ERRORS}, tags=["registry"]
    )
    def post(self, request: Request, pk: int) -> Response:
        data = s.MergeInput(data=request.data)
        data.is_valid(raise_exception=True)
        kept = services.duplicate_merge(
            actor=request_user(request),
            flag_id=pk,
            keep_id=data.validated_data["keep"],
            confirmed=data.validated_data["confirm"],
        )
        return _beneficiary_response(kept.pk)


class DuplicateDismissView(APIView):
    permission_classes = [RegistryWriters]

    @extend_schema(
        request=s.DismissInput, responses={200: s.DuplicateSerializer, **ERRORS}, tags=["registry"]
    )
    def post(self, request: Request, pk: int) -> Response:
        data = s.DismissInput(data=request.data)
        data.is_valid(raise_exception=True)
        flag = services.duplicate_dismiss(
            actor=request_user(request), flag_id=pk, note=data.validated_data["note"]
        )
        return Response(s.duplicate_payload(flag))


# --- cases --------------------------------------------------------------------------------------


def _log_cases(request: Request, cases: list[Any]) -> None:
    access_log_list(
        user=request_user(request),
        via="api:cases",
        beneficiary_ids=[case.beneficiary_id for case in cases],
        case_ids=[case.pk for case in cases],
    )


class CaseListView(APIView):
    """The inbox: the cases this user's role lets them see, newest first, 25 a page."""

    permission_classes = [CasePermission]
    pagination_class = Pagination  # declares the list as paginated in the schema

    @extend_schema(
        parameters=[CaseFilters],
        responses=s.CaseRowSerializer(many=True),
        tags=["cases"],
    )
    def get(self, request: Request) -> Response:
        params = filters_read(CaseFilters, request)
        qs = selectors.case_inbox(
            user=request_user(request),
            step=params.get("step"),
            channel=params.get("channel"),
            status=params.get("status"),
            overdue=params.get("overdue"),
            assigned=params.get("assigned"),
            beneficiary_id=params.get("beneficiary"),
        )
        now = timezone.now()
        if params.get("before_id"):
            size = params.get("page_size") or Pagination.page_size
            rows = list(qs.filter(pk__lt=params["before_id"])[: size + 1])
            _log_cases(request, rows[:size])
            return keyset_response(request, rows, size=size, shape=lambda case: s.case_row(case, now=now))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        _log_cases(request, page)
        return paginator.get_paginated_response([s.case_row(case, now=now) for case in page])

    @extend_schema(
        request=s.CaseCreateInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.CaseCreatedSerializer, **ERRORS},
        tags=["cases"],
        description="Open a request. Where the person consented to the check with other associations "
        "(now or at an earlier request), it is made as you once the request is saved: "
        "`served_elsewhere` says how many other associations serve them and which, only where the "
        "person allowed it. The check is logged and counts toward your hourly limit; past it the "
        "request is still opened and `served_elsewhere.checked` is false.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = s.CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        beneficiary = data.validated_data["beneficiary"]
        privacy = data.validated_data["privacy"]
        case = services.case_open(
            actor=request_user(request),
            beneficiary_id=beneficiary.get("id"),
            national_id=beneficiary.get("national_id"),
            channel=data.validated_data["channel"],
            intake=data.validated_data["intake"],
            assigned_to_id=data.validated_data["assigned_to"],
            consents=privacy["consents"] if privacy is not None else None,
            notice_version=privacy["notice_version"] if privacy is not None else None,
            lawful_basis=privacy["lawful_basis"] if privacy is not None else "request",
            via=ConsentVia.API,
        )
        answer = _case_response(request, case.pk, status_code=status.HTTP_201_CREATED)
        # After the request is saved, as the employee: never undoes or fails it.
        check = intake_check.intake_cross_check(
            actor=request_user(request), beneficiary_id=case.beneficiary_id, via="api:case-create"
        )
        answer.data["served_elsewhere"] = intake_check.served_elsewhere_payload(check)
        return answer


class CaseDetailView(APIView):
    permission_classes = [CaseworkStaff]

    @extend_schema(responses={200: s.CaseDetailSerializer, 404: ErrorSerializer}, tags=["cases"])
    def get(self, request: Request, pk: int) -> Response:
        answer = _case_response(request, pk)
        access_log_record(
            user=request_user(request),
            via="api:case",
            beneficiary_id=answer.data["beneficiary"]["id"],
            case_id=pk,
        )
        return answer


class CaseTransitionView(APIView):
    permission_classes = [CaseworkStaff]

    @extend_schema(
        request=s.TransitionInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: s.CaseDetailSerializer, **ERRORS},
        tags=["cases"],
        description="Apply one action of the case's current step (see `available_actions`). "
        "Send `revision` to be refused with 409 if someone changed the case meanwhile.",
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        body: Any = request.data
        data = s.TransitionInput(data=body)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        payload = {k: value for k, value in body.items() if k not in ("action", "revision", "step", "data")}
        payload |= v["data"]
        if v["step"] is not None:
            payload["step"] = v["step"]
        services.case_transition(
            actor=request_user(request),
            case_id=pk,
            action=v["action"],
            data=payload,
            expected_revision=v["revision"],
        )
        return _case_response(request, pk)


class CaseAttestationDataView(APIView):
    """What the applicant is shown and signs, with its hash to send back with ``attest``."""

    permission_classes = [CaseworkStaff]

    @extend_schema(responses={200: s.AttestationDataSerializer, 404: ErrorSerializer}, tags=["cases"])
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.cases_visible_to(request_user(request)).filter(pk=pk).first()
        if case is None:
            raise not_found("لا يوجد طلب بهذا الرقم.", "No such case.")
        payload = selectors.attestation_payload(case)
        access_log_record(
            user=request_user(request),
            via="api:case-attestation",
            beneficiary_id=case.beneficiary_id,
            case_id=case.pk,
        )
        return Response({"data": payload, "data_hash": selectors.payload_sha256(payload)})


class CaseRatingView(APIView):
    permission_classes = [RegistryWriters]

    @extend_schema(request=s.RatingInput, responses={201: None, **ERRORS}, tags=["cases"])
    def post(self, request: Request, pk: int) -> Response:
        data = s.RatingInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.satisfaction_record(
            actor=request_user(request),
            case_id=pk,
            score=data.validated_data["score"],
            comment=data.validated_data["comment"],
            service_id=data.validated_data["service"],
        )
        return Response({"rated": True}, status=status.HTTP_201_CREATED)


class RatingSummaryView(APIView):
    """Satisfaction overall and per employee, only for employees with at least five ratings."""

    permission_classes = [AdminOnly]

    @extend_schema(responses=s.RatingSummarySerializer, tags=["cases"])
    def get(self, request: Request) -> Response:
        return Response(selectors.rating_summaries())


# --- personal API tokens ------------------------------------------------------------------------


def _token_payload(token: ApiToken, plaintext: str | None = None) -> dict[str, Any]:
    payload = {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
    if plaintext is not None:
        payload["token"] = plaintext
    return payload


class TokenListView(APIView):
    permission_classes = [CaseworkStaff]

    @extend_schema(responses=s.TokenSerializer(many=True), tags=["tokens"])
    def get(self, request: Request) -> Response:
        tokens = ApiToken.objects.filter(user=request_user(request)).order_by("-id")
        return Response([_token_payload(t) for t in tokens])

    @extend_schema(request=s.TokenCreateInput, responses={201: s.TokenSerializer}, tags=["tokens"])
    def post(self, request: Request) -> Response:
        data = s.TokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        api_reauthentication(request, data.validated_data)  # a new key to the account: confirm it is them
        token, plaintext = services.api_token_create(
            user=request_user(request), name=data.validated_data["name"]
        )
        return Response(_token_payload(token, plaintext), status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    permission_classes = [CaseworkStaff]

    @extend_schema(request=None, responses={200: s.TokenSerializer, 404: ErrorSerializer}, tags=["tokens"])
    def delete(self, request: Request, pk: int) -> Response:
        return Response(_token_payload(services.api_token_revoke(actor=request_user(request), token_id=pk)))
