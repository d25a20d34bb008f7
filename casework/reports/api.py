"""``GET /api/v1/reports/summary/``: the dashboard's figures as JSON (policy codes, percentages
0-100, durations in days), for the same roles as the screen."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import request_user
from casework.reports import selectors
from casework.reports.query import CASE_READERS, READERS, holds, report_query
from core.api import ErrorSerializer
from core.errors import FieldProblem, invalid

# --- the answer's shape (for the OpenAPI schema) -------------------------------------------------


def _days() -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text="days")


class PeriodSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class FullPeriodSerializer(PeriodSerializer):
    kind = serializers.ChoiceField(choices=["month", "quarter", "year", "range"])
    calendar = serializers.ChoiceField(choices=["gregorian", "hijri"])


class OpenedSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_channel = serializers.DictField(child=serializers.IntegerField(), help_text="channel code -> requests")
    by_step = serializers.DictField(
        child=serializers.IntegerField(), help_text="step code -> requests opened in the period still there"
    )
    closed_by_outcome = serializers.DictField(child=serializers.IntegerField())


class OutcomesSerializer(serializers.Serializer):
    decided = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    served = serializers.IntegerField()


class BodyWindowSerializer(serializers.Serializer):
    decided = serializers.IntegerField()
    within_window = serializers.IntegerField()
    within_window_percent = serializers.FloatField(allow_null=True, min_value=0, max_value=100)
    median_days = _days()
    p90_days = _days()
    overdue_now = serializers.IntegerField()


class WindowSerializer(BodyWindowSerializer):
    by_body = serializers.DictField(child=BodyWindowSerializer(), help_text="deciding body code -> figures")


class TargetSerializer(serializers.Serializer):
    referred = serializers.IntegerField()
    answered = serializers.IntegerField()
    median_days = _days()


class ReferralsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    by_target = serializers.DictField(child=TargetSerializer())
    median_days_to_answer = _days()


class MemberVotesSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    name = serializers.CharField()
    votes = serializers.IntegerField()


class CommitteeSerializer(serializers.Serializer):
    decisions = serializers.IntegerField()
    median_days_to_quorum = _days()
    p90_days_to_quorum = _days()
    votes_by_member = MemberVotesSerializer(many=True)


class CommentSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField()
    date = serializers.DateField()
    case = serializers.IntegerField(required=False, help_text="only for those who may open the case")


class EmployeeSerializer(serializers.Serializer):
    employee_id = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    average = serializers.FloatField()
    distribution = serializers.DictField(child=serializers.IntegerField())


class SatisfactionSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True, min_value=1, max_value=5)
    distribution = serializers.DictField(child=serializers.IntegerField(), help_text="score 1-5 -> ratings")
    comments = CommentSerializer(many=True, required=False)
    employees = EmployeeSerializer(
        many=True, required=False, help_text="with ?per_employee=1, admins only, from five ratings"
    )


class BeneficiariesSerializer(serializers.Serializer):
    served = serializers.IntegerField()
    new = serializers.IntegerField()
    returning = serializers.IntegerField()


class KindSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.FloatField(help_text="SAR")


class ServicesSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.FloatField(help_text="SAR")
    by_kind = serializers.DictField(child=KindSerializer())


class MonthSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    label_ar = serializers.CharField()
    label_en = serializers.CharField()
    opened = serializers.IntegerField()
    decided = serializers.IntegerField()
    within_window = serializers.IntegerField()
    within_window_percent = serializers.FloatField(allow_null=True)
    ratings = serializers.IntegerField()
    rating_average = serializers.FloatField(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    opened = OpenedSerializer()
    outcomes = OutcomesSerializer()
    funnel = serializers.DictField(
        child=serializers.IntegerField(), help_text="step code -> requests that reached it"
    )
    window = WindowSerializer()
    referrals = ReferralsSerializer()
    committee = CommitteeSerializer()
    satisfaction = SatisfactionSerializer()
    beneficiaries = BeneficiariesSerializer()
    services = ServicesSerializer()


class PreviousCommitteeSerializer(CommitteeSerializer):
    votes_by_member = serializers.IntegerField(help_text="votes cast in the previous period")  # type: ignore[assignment]


class PreviousFiguresSerializer(FiguresSerializer):
    committee = PreviousCommitteeSerializer()


class FiltersSerializer(serializers.Serializer):
    channel = serializers.CharField(allow_null=True)
    step = serializers.CharField(allow_null=True)


class SummarySerializer(FiguresSerializer):
    period = FullPeriodSerializer()
    previous_period = PeriodSerializer()
    filters = FiltersSerializer()
    time_zone = serializers.CharField()
    months = MonthSerializer(many=True)
    previous = PreviousFiguresSerializer()


# --- the view ------------------------------------------------------------------------------------


class ReportReaders(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return holds(request_user(request), READERS)


class ReportSummaryView(APIView):
    """Figures for a period and the one before it."""

    permission_classes = [ReportReaders]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD, Gregorian or Hijri (a year before 1600)"),
            OpenApiParameter("to", str, description="YYYY-MM-DD, both days included; at most ten years"),
            OpenApiParameter("period", str, enum=["month", "quarter", "year"]),
            OpenApiParameter("calendar", str, enum=["gregorian", "hijri"]),
            OpenApiParameter("year", {"type": "integer", "minimum": 1, "maximum": 9999}),
            OpenApiParameter(
                "number",
                {"type": "integer", "minimum": 1, "maximum": 12},
                description="month 1-12 or quarter 1-4",
            ),
            OpenApiParameter("channel", str, description="a channel code of the policy"),
            OpenApiParameter("step", str, description="a step code"),
            OpenApiParameter("per_employee", bool, description="association admins only"),
        ],
        responses={200: SummarySerializer, 400: ErrorSerializer, 403: ErrorSerializer},
        tags=["reports"],
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        # The screen's form sends its empty boxes; the API takes a number or yes/no, or nothing.
        blank = [
            n
            for n in ("year", "number", "per_employee")
            if n in request.query_params and not request.query_params[n].strip()
        ]
        if blank:
            raise invalid(
                [
                    FieldProblem(
                        n, "blank", "اكتب قيمة أو احذف الحقل.", "Give a value or leave the field out."
                    )
                    for n in blank
                ]
            )
        query = report_query(request.query_params, user=user)
        return Response(
            selectors.report_summary(
                period=query.period,
                channel=query.channel,
                step=query.step,
                per_employee=query.per_employee,
                comments_with_case=holds(user, CASE_READERS),
            )
        )
