"""Background jobs about cases, and the listener that enqueues them.

Jobs are enqueued by ``on_case_event`` inside the transaction that appended the case event, so a
rolled-back change enqueues nothing; they run in the association's schema (``tenants.jobs``);
each message is sent at most once per event (``notifications.send_once``). A job that finds the
case has moved on (decided, withdrawn) does nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from accounts.models import RoleCode, User
from casework import notifications, selectors
from casework.hooks import case_event_listener
from casework.models import (
    CaseOutcome,
    CaseStatus,
    LinkPurpose,
    NotificationChannel,
    NotificationKind,
    SupportCase,
    TrackingReference,
)
from casework.privacy import consents as privacy
from policy_engine.rules.catalog import CatalogKind, label
from tenants.jobs import defer_for_current_tenant, tenant_task
from themes.dates import format_hijri

if TYPE_CHECKING:
    from casework.models import CaseEvent

logger = logging.getLogger(__name__)
QUEUE = "casework"


def _deciders(case: SupportCase) -> list[str]:
    role = (
        RoleCode.COMMITTEE_MEMBER if case.deciding_body == "research_committee" else RoleCode.ADMINISTRATION
    )
    emails = set(
        User.objects.filter(is_active=True, roles__code=role)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if case.assigned_to_id and case.assigned_to and case.assigned_to.email:
        emails.add(case.assigned_to.email)
    return sorted(emails)


def _due_words(case: SupportCase) -> str:
    assert case.decision_due is not None  # noqa: S101 - callers check
    local = timezone.localtime(case.decision_due)
    return f"{format_hijri(local.date(), 'ar')} ({local:%Y-%m-%d %H:%M})"


def _due_iso(case: SupportCase) -> str:
    return f"{timezone.localtime(case.decision_due):%Y-%m-%d %H:%M}" if case.decision_due else ""


def _case_url(case: SupportCase) -> str:
    return notifications.site_url(f"/staff/cases/{case.pk}/")


def _awaiting_decision(case: SupportCase | None) -> bool:
    return bool(
        case and case.status == CaseStatus.OPEN and case.step == "committee_review" and case.decision_due
    )


def _email_each(
    case: SupportCase, *, kind: str, key: str, recipients: list[str], subject: str, body: str
) -> int:
    """One email per recipient, each at most once for this event. Returns how many were sent."""
    message = notifications.Outgoing(
        channel=NotificationChannel.EMAIL, recipient="", subject=subject, body=body
    )
    return sum(
        notifications.send_once(
            case=case,
            kind=kind,
            dedupe_key=f"{key}:{email}",
            message=dataclasses.replace(message, recipient=email),
        )
        for email in recipients
    )


def _case_awaiting(case_id: int) -> SupportCase | None:
    case = SupportCase.objects.select_related("beneficiary", "assigned_to").filter(pk=case_id).first()
    return case if _awaiting_decision(case) else None


@tenant_task(queue=QUEUE, retry=5)
def decision_reminder(*, case_id: int, event_id: int) -> int:
    """Remind the deciding body that a decision falls due soon. Returns the messages sent."""
    case = _case_awaiting(case_id)
    if case is None:
        return 0
    body_ar = label(CatalogKind.PARTY, case.deciding_body, "ar")
    return _email_each(
        case,
        kind=NotificationKind.DECISION_REMINDER,
        key=f"reminder:{case.pk}:{event_id}",
        recipients=_deciders(case),
        subject=f"تذكير: قرار الطلب رقم {case.pk} مستحق قريبًا / Decision due soon",
        body=(
            f"الطلب رقم {case.pk} للمستفيد {case.beneficiary.full_name_ar} بانتظار قرار {body_ar}.\n"
            f"موعد الرد: {_due_words(case)}.\n{_case_url(case)}\n\n"
            f"Request {case.pk} awaits a decision, due {_due_iso(case)}."
        ),
    )


@tenant_task(queue=QUEUE, retry=5)
def decision_overdue_alert(*, case_id: int, event_id: int) -> int:
    """Tell the deciding body and the association's administrators that a decision is overdue."""
    case = _case_awaiting(case_id)
    if case is None or case.decision_due is None or case.decision_due > timezone.now():
        return 0  # decided meanwhile, or the due date moved later (its own job will come)
    admins = User.objects.filter(is_active=True, roles__code=RoleCode.ASSOCIATION_ADMIN).exclude(email="")
    return _email_each(
        case,
        kind=NotificationKind.DECISION_OVERDUE,
        key=f"overdue:{case.pk}:{event_id}",
        recipients=sorted(set(_deciders(case)) | set(admins.values_list("email", flat=True))),
        subject=f"متأخر: تجاوز الطلب رقم {case.pk} موعد القرار / Decision overdue",
        body=(
            f"تجاوز الطلب رقم {case.pk} للمستفيد {case.beneficiary.full_name_ar} موعد الرد "
            f"({_due_words(case)}) دون قرار.\n{_case_url(case)}\n\n"
            f"Request {case.pk} is past its decision date without a decision."
        ),
    )


def _reference_words(case: SupportCase) -> str:
    """«برقم المتابعة ABCD-EFGH» for a request with a tracking reference (made online), else its number."""
    reference = TrackingReference.objects.filter(case=case).values_list("reference", flat=True).first()
    return f"برقم المتابعة {reference}" if reference else f"رقم {case.pk}"


@tenant_task(queue=QUEUE, retry=5)
def request_received(*, case_id: int, event_id: int) -> int:
    """Tell the applicant their request was received, with a link to follow it."""
    case = SupportCase.objects.select_related("beneficiary").filter(pk=case_id).first()
    if case is None or not case.beneficiary.phone_e164 or not privacy.sms_allowed(case.beneficiary):
        return 0
    path = notifications.link_create(case=case, purpose=LinkPurpose.TRACK)
    return int(
        notifications.send_once(
            case=case,
            kind=NotificationKind.REQUEST_RECEIVED,
            dedupe_key=f"received:{case.pk}:{event_id}",
            message=notifications.Outgoing(
                channel=NotificationChannel.SMS,
                recipient=case.beneficiary.phone_e164,
                subject="",
                body=f"استلمنا طلبكم {_reference_words(case)}. تابعوا حالته: {notifications.site_url(path)}",
            ),
        )
    )


@tenant_task(queue=QUEUE, retry=5)
def satisfaction_request(*, case_id: int, event_id: int) -> int:
    """After the service, ask the beneficiary to rate it: measuring satisfaction is their right."""
    case = SupportCase.objects.select_related("beneficiary").filter(pk=case_id).first()
    if case is None or case.outcome != CaseOutcome.SERVED or not case.beneficiary.phone_e164:
        return 0
    if not privacy.sms_allowed(case.beneficiary):
        return 0
    if not selectors.services_to_rate(case):
        return 0  # every service was rated already (typed in by staff, say)
    path = notifications.link_create(case=case, purpose=LinkPurpose.RATE)
    return int(
        notifications.send_once(
            case=case,
            kind=NotificationKind.SATISFACTION_REQUEST,
            dedupe_key=f"satisfaction:{case.pk}:{event_id}",
            message=notifications.Outgoing(
                channel=NotificationChannel.SMS,
                recipient=case.beneficiary.phone_e164,
                subject="",
                body=(
                    f"شكرًا لتواصلكم. قيّموا الخدمة المقدمة في طلبكم رقم {case.pk} "
                    f"(تقييمكم حق لكم ويساعدنا على التحسين): {notifications.site_url(path)}"
                ),
            ),
        )
    )


REASON_SUMMARY_CHARS = 120  # a reason's summary in a text message: about two SMS segments in Arabic


def reason_summary(reason: str) -> str:
    """The reason's first words, cut at a word and marked as cut, on one line."""
    text = " ".join((reason or "").split())
    if len(text) <= REASON_SUMMARY_CHARS:
        return text
    cut = text[:REASON_SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip("،,.؛;:") + "…"


@tenant_task(queue=QUEUE, retry=5)
def decision_message(*, case_id: int, event_id: int) -> int:
    """Tell the applicant the deciding body's answer: accepted, or not (with the reason's summary
    when the policy the request follows says so), and the link to follow the request."""
    case = (
        SupportCase.objects.select_related("beneficiary", "policy_version", "decision")
        .filter(pk=case_id)
        .first()
    )
    decision = getattr(case, "decision", None) if case is not None else None
    if case is None or decision is None or not case.beneficiary.phone_e164:
        return 0
    if not privacy.sms_allowed(case.beneficiary):
        return 0  # they withdrew their consent to text messages
    if decision.outcome not in (CaseOutcome.ACCEPTED, CaseOutcome.REJECTED):
        return 0
    link = notifications.site_url(notifications.link_create(case=case, purpose=LinkPurpose.TRACK))
    if decision.outcome == CaseOutcome.ACCEPTED:
        body = f"قُبل طلبكم {_reference_words(case)}. تابعوا خطواته التالية: {link}"
    else:
        summary = reason_summary(decision.reason)
        shared = bool(case.policy_version.document.get("decision_reason_shared"))
        why = f" السبب: {summary}" if shared and summary else ""
        body = f"نعتذر، لم يُقبل طلبكم {_reference_words(case)}.{why} للتفاصيل: {link}"
    return int(
        notifications.send_once(
            case=case,
            kind=NotificationKind.DECISION,
            dedupe_key=f"decision:{case.pk}:{event_id}",
            message=notifications.Outgoing(
                channel=NotificationChannel.SMS,
                recipient=case.beneficiary.phone_e164,
                subject="",
                body=body,
            ),
        )
    )


def reminder_lead() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "SILA_DECISION_REMINDER_LEAD_HOURS", 48)))


@case_event_listener
def on_case_event(event: CaseEvent) -> None:
    """Enqueue the jobs an event causes, in the event's own transaction."""
    case = event.case
    if event.action == "open":
        defer_for_current_tenant(request_received, case_id=case.pk, event_id=event.pk)
    if event.to_step == "committee_review" and event.from_step != "committee_review" and case.decision_due:
        remind_at = max(timezone.now(), case.decision_due - reminder_lead())
        defer_for_current_tenant(
            decision_reminder.configure(schedule_at=remind_at), case_id=case.pk, event_id=event.pk
        )
        defer_for_current_tenant(
            decision_overdue_alert.configure(schedule_at=case.decision_due),
            case_id=case.pk,
            event_id=event.pk,
        )
    if event.action == "decide" and (event.data or {}).get("outcome") in (
        CaseOutcome.ACCEPTED,
        CaseOutcome.REJECTED,
    ):
        defer_for_current_tenant(decision_message, case_id=case.pk, event_id=event.pk)
    if (event.data or {}).get("outcome") == CaseOutcome.SERVED:
        defer_for_current_tenant(satisfaction_request, case_id=case.pk, event_id=event.pk)


# The housekeeping jobs live in their own module; importing it here lets the worker find them.
from casework import maintenance  # noqa: E402, F401
from casework.privacy import tasks as privacy_tasks  # noqa: E402, F401
