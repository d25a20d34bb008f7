"""Reads about beneficiaries and cases. Scoped by role: see ``casework.roles``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from casework import roles
from casework.models import (
    Attestation,
    Beneficiary,
    BeneficiaryDocument,
    CaseEvent,
    CaseStatus,
    CommitteeSettings,
    Decision,
    DuplicateFlag,
    DuplicateStatus,
    SatisfactionRating,
    ServiceDelivery,
    SupportCase,
)
from casework.validators import ascii_digits, search_terms
from policy_engine.models import PolicyStatus, PolicyVersion
from policy_engine.rules.engine import PolicyEngine
from themes.dates import format_hijri, to_hijri

# --- The pinned policy --------------------------------------------------------------------------

# Versions in force or superseded never change, so their engines can be kept. Keyed by schema and
# primary key (two associations may both have a version 1).
_ENGINES: dict[tuple[str, int, str], PolicyEngine] = {}
_ENGINE_CACHE_SIZE = 256


def engine_for(version: PolicyVersion) -> PolicyEngine:
    from tenants.db import connection

    # updated_at too: a schema dropped and provisioned again may reuse a version's primary key.
    key = (connection.schema_name, version.pk, version.updated_at.isoformat() if version.updated_at else "")
    engine = _ENGINES.get(key)
    if engine is None:
        engine = PolicyEngine.from_dict(version.document)
        if len(_ENGINES) >= _ENGINE_CACHE_SIZE:
            _ENGINES.pop(next(iter(_ENGINES)))
        _ENGINES[key] = engine
    return engine


def policy_codes() -> dict[str, tuple[str, ...]]:
    """The steps and channels of the association's policy, in its order: of the version in force,
    then of the versions it superseded (cases stay pinned to them). What a list may be filtered by;
    every other code of the catalogue is no option here. One query."""
    versions = PolicyVersion.objects.filter(status__in=(PolicyStatus.IN_FORCE, PolicyStatus.SUPERSEDED)).only(
        "pk", "document", "updated_at", "status", "number"
    )
    steps: dict[str, None] = {}
    channels: dict[str, None] = {}
    in_force_first = sorted(versions, key=lambda v: (v.status != PolicyStatus.IN_FORCE, -v.number))
    for version in in_force_first:
        engine = engine_for(version)
        steps |= dict.fromkeys(engine.steps())
        channels |= dict.fromkeys(engine.allowed_channels())
    return {"step": tuple(steps), "channel": tuple(channels)}


# --- Registry -----------------------------------------------------------------------------------


def beneficiaries_search(
    *, query: str = "", include_merged: bool = False, include_restricted: bool = False
) -> QuerySet[Beneficiary]:
    """Beneficiaries whose name has every word of ``query`` as a word prefix (Arabic-normalised:
    «احمد» finds «أحمد»), or whose ID number or mobile number contains its digits. A restricted
    record (kept only because the law requires it) is left out unless asked for."""
    qs = Beneficiary.objects.all()
    if not include_restricted:
        qs = qs.filter(hold__isnull=True)
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    query = (query or "").strip()
    if not query:
        return qs.order_by("-id")
    compact = ascii_digits(query).replace(" ", "").replace("-", "").lstrip("+")
    if compact.isascii() and compact.isdigit():
        # An ID number (prefix) or a mobile number as people write it (05..., 9665..., 5...).
        local = compact.removeprefix("00").removeprefix("966").lstrip("0") or compact
        return qs.filter(Q(national_id__startswith=compact) | Q(phone_e164__contains=local)).order_by("-id")
    terms = search_terms(query)
    if not terms:
        return qs.none()
    tsquery = " & ".join(f"{term}:*" for term in terms)
    return (
        qs.annotate(name_vector=SearchVector("full_name_normalized", config="simple"))
        .filter(name_vector=SearchQuery(tsquery, search_type="raw", config="simple"))
        .order_by("-id")
    )


def beneficiary_get(*, beneficiary_id: int) -> Beneficiary | None:
    return (
        Beneficiary.objects.select_related("merged_into")
        .prefetch_related("household", "documents")
        .filter(pk=beneficiary_id)
        .first()
    )


def duplicate_flags(*, status: str | None = DuplicateStatus.OPEN) -> QuerySet[DuplicateFlag]:
    qs = DuplicateFlag.objects.select_related("beneficiary", "other")
    return qs.filter(status=status) if status else qs


# --- Cases --------------------------------------------------------------------------------------


def cases_visible_to(user: User | None) -> QuerySet[SupportCase]:
    qs = SupportCase.objects.all()
    q = roles.visible_cases_q(user)
    return qs if q is None else qs.filter(q)


# What a list row (the API's case_row, the inbox and committee screens) reads of a case's
# beneficiary, pinned version and assignee. Loading only these (not every column of three joined
# rows, with their dates to parse) takes about a third off the Python time of a page
# (docs/performance.md, "Inbox with 100,000 cases"). A row that shows another of their fields
# must add it here, or each row would fetch it with a query of its own.
_ROW_RELATED = (
    "beneficiary__full_name_ar",
    "beneficiary__national_id",
    "policy_version__number",
    "assigned_to__full_name",
    "assigned_to__email",
)
_CASE_FIELDS = tuple(field.name for field in SupportCase._meta.concrete_fields)


def case_inbox(
    *,
    user: User,
    step: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    assigned: str | None = None,
    beneficiary_id: int | None = None,
    query: str | None = None,
    now: dt.datetime | None = None,
    opened_from: dt.date | None = None,
    opened_to: dt.date | None = None,
    outcome: str | None = None,
    closed_from: dt.date | None = None,
    closed_to: dt.date | None = None,
    decision: str | None = None,
    decided_from: dt.date | None = None,
    decided_to: dt.date | None = None,
    reached: str | None = None,
) -> QuerySet[SupportCase]:
    """The cases ``user`` may see, filtered, newest first, with what a list row shows: one query
    per page whatever its size. Date bounds are days of the association's time zone, both
    included (the reports link here with the period of a figure)."""
    now = now or timezone.now()
    # The requests of a restricted record are kept for the law, not worked on: not listed.
    qs = (
        cases_visible_to(user)
        .filter(beneficiary__hold__isnull=True)
        .select_related("beneficiary", "assigned_to", "policy_version")
    )
    # Every column of the case, but of the joined rows only what a row shows (see _ROW_RELATED).
    qs = qs.only(*_CASE_FIELDS, *_ROW_RELATED)
    if step:
        qs = qs.filter(step=step)
    if channel:
        qs = qs.filter(channel=channel)
    if status:
        qs = qs.filter(status=status)
    if beneficiary_id:
        qs = qs.filter(beneficiary_id=beneficiary_id)
    if query and query.strip():
        # The registry's search (name Arabic-normalised, ID number, mobile number), merged records too.
        qs = qs.filter(beneficiary__in=beneficiaries_search(query=query, include_merged=True).values("pk"))
    if overdue is not None:
        late = Q(status=CaseStatus.OPEN, step="committee_review", decision_due__lt=now)
        qs = qs.filter(late) if overdue else qs.exclude(late)
    for field, start, end in (
        ("created_at", opened_from, opened_to),
        ("closed_at", closed_from, closed_to),
        ("decision__decided_at", decided_from, decided_to),
    ):
        if start is not None:
            qs = qs.filter(**{f"{field}__gte": _day_start(start)})
        if end is not None:
            qs = qs.filter(**{f"{field}__lt": _day_start(end + dt.timedelta(days=1))})
    if outcome:
        qs = qs.filter(outcome=outcome)
    if decision:
        qs = qs.filter(decision__outcome=decision)
    if reached:
        # Cases that have entered the step (the reports' funnel), whatever they did next.
        qs = qs.filter(Exists(CaseEvent.objects.filter(case=OuterRef("pk"), to_step=reached)))
    if assigned == "me":
        qs = qs.filter(assigned_to=user)
    elif assigned == "none":
        qs = qs.filter(assigned_to__isnull=True)
    return qs.order_by("-id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def case_is_overdue(case: SupportCase, *, now: dt.datetime | None = None) -> bool:
    return bool(
        case.status == CaseStatus.OPEN
        and case.step == "committee_review"
        and case.decision_due is not None
        and (now or timezone.now()) > case.decision_due
    )


def hijri_date(value: dt.datetime | None) -> str | None:
    """The Umm al-Qura date (YYYY-MM-DD) of a moment, in the association's time zone."""
    if value is None:
        return None
    h = to_hijri(timezone.localtime(value).date())
    return f"{h.year:04d}-{h.month:02d}-{h.day:02d}"


def hijri_text(value: dt.datetime | None, lang: str) -> str | None:
    return None if value is None else format_hijri(timezone.localtime(value).date(), lang)


def case_get(*, user: User | None, case_id: int) -> SupportCase | None:
    """One case with everything its page shows, or None when it does not exist or ``user`` may
    not see it (the caller answers 404 for both)."""
    return (
        cases_visible_to(user)
        .select_related("beneficiary", "assigned_to", "policy_version", "opened_by", "decision__decided_by")
        .prefetch_related(
            "checklist__verified_by",
            "referrals__asked_by",
            "referrals__answered_by",
            "attestations",
            "votes__member",
            "services__employee",
            "services__rating",
            "notifications__deliveries",
            Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("id")),
        )
        .filter(pk=case_id)
        .first()
    )


def case_decision(case: SupportCase) -> Decision | None:
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(case, "decision", None)


def service_rating(service: ServiceDelivery) -> SatisfactionRating | None:
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(service, "rating", None)


def services_to_rate(case: SupportCase) -> list[ServiceDelivery]:
    """The services delivered for ``case`` that the beneficiary has not rated yet (each is rated
    once)."""
    return [s for s in case.services.all() if service_rating(s) is None]


# --- Attestation --------------------------------------------------------------------------------


def attestation_payload(case: SupportCase) -> dict[str, Any]:
    """Exactly the data the applicant attests to: their record, household and documents."""
    b = Beneficiary.objects.get(pk=case.beneficiary_id)
    household = sorted(
        (
            {
                "full_name_ar": m.full_name_ar,
                "relation": m.relation,
                "national_id": m.national_id,
                "birth_date": m.birth_date.isoformat() if m.birth_date else None,
                "gender": m.gender,
            }
            for m in b.household.all()
        ),
        key=lambda m: (m["relation"], m["full_name_ar"], m["national_id"]),
    )
    documents = sorted(
        BeneficiaryDocument.objects.filter(beneficiary=b)
        .filter(Q(case__isnull=True) | Q(case=case))
        .values_list("sha256", flat=True)
    )
    return {
        "case": {"id": case.pk, "channel": case.channel},
        "beneficiary": {
            "national_id": b.national_id,
            "full_name_ar": b.full_name_ar,
            "phone": b.phone_e164,
            "birth_date": b.birth_date.isoformat() if b.birth_date else None,
            "gender": b.gender,
            "city": b.city,
        },
        "household": household,
        "documents": documents,
    }


def payload_sha256(payload: dict[str, Any]) -> str:
    canonical = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def current_attestation(case: SupportCase) -> Attestation | None:
    """The latest attestation not voided (from the prefetched list when there is one)."""
    active = [a for a in case.attestations.all() if a.voided_at is None]
    return active[-1] if active else None


def attestation_is_valid(case: SupportCase) -> bool:
    attestation = current_attestation(case)
    return attestation is not None and attestation.data_sha256 == payload_sha256(attestation_payload(case))


# --- Committee ----------------------------------------------------------------------------------


def committee_members() -> QuerySet[User]:
    return User.objects.filter(is_active=True, roles__code=roles.COMMITTEE).distinct()


def committee_quorum() -> int:
    """Votes needed for the research committee to decide: as configured, else a majority of the
    active members (at least one)."""
    settings = CommitteeSettings.objects.filter(pk=1).first()
    if settings is not None and settings.quorum:
        return int(settings.quorum)
    return committee_members().count() // 2 + 1


# --- Satisfaction -------------------------------------------------------------------------------

#: Ratings about one employee are shown only once there are at least this many.
RATING_MIN_FOR_EMPLOYEE = 5


def employee_rating_summary(*, employee_id: int) -> dict[str, Any] | None:
    """Average and count of the ratings of the services an employee delivered, or None while
    there are fewer than :data:`RATING_MIN_FOR_EMPLOYEE` (single ratings are never shown)."""
    row = SatisfactionRating.objects.filter(employee_id=employee_id).aggregate(
        n=Count("id"), avg=Avg("score")
    )
    if row["n"] < RATING_MIN_FOR_EMPLOYEE:
        return None
    return {"employee_id": employee_id, "count": row["n"], "average": round(float(row["avg"]), 2)}


def rating_summaries() -> dict[str, Any]:
    """The association's overall satisfaction and, per employee with enough ratings, theirs."""
    overall = SatisfactionRating.objects.aggregate(n=Count("id"), avg=Avg("score"))
    per_employee = (
        SatisfactionRating.objects.filter(employee__isnull=False)
        .values("employee_id", "employee__full_name", "employee__email")
        .annotate(n=Count("id"), avg=Avg("score"))
        .filter(n__gte=RATING_MIN_FOR_EMPLOYEE)
        .order_by("employee__full_name", "employee_id")
    )
    return {
        "count": overall["n"],
        "average": round(float(overall["avg"]), 2) if overall["avg"] is not None else None,
        "minimum_per_employee": RATING_MIN_FOR_EMPLOYEE,
        "employees": [
            {
                "employee_id": row["employee_id"],
                "name": row["employee__full_name"] or row["employee__email"],
                "count": row["n"],
                "average": round(float(row["avg"]), 2),
            }
            for row in per_employee
        ],
    }
