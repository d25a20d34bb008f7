"""Background jobs about cases (enqueued with the change, in the association's schema, once per
event) and the beneficiary's links to follow a request and rate the service."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from casework import sms, tasks
from casework.models import BeneficiaryLink, Notification, NotificationKind, SatisfactionRating, SupportCase
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Staff, install_policy, open_case
from tests.casework.test_casework_flow import take_step
from tests.conftest import host_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_outboxes() -> None:
    sms.outbox.clear()
    mail.outbox.clear()


def jobs_for(case: SupportCase, task_name: str) -> list[ProcrastinateJob]:
    return [
        job
        for job in ProcrastinateJob.objects.filter(task_name__endswith=task_name).order_by("id")
        if job.args.get("case_id") == case.pk
    ]


def run(task: object, case: SupportCase, job: ProcrastinateJob) -> int:
    """Run a job's body as the worker would: in the schema the job carries; its messages leave
    when its transaction commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return int(task(**job.args))  # type: ignore[operator]


def test_a_message_leaves_only_after_its_record_is_committed(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception)
    [job] = jobs_for(case, "request_received")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert tasks.request_received(**job.args) == 1
        assert sms.outbox == []  # recorded, not sent yet
        raise RuntimeError("the job's transaction fails after recording the message")
    assert sms.outbox == []
    assert not Notification.objects.filter(case=case).exists()
    # The retry sends it, once.
    assert run(tasks.request_received, case, job) == 1
    assert len(sms.outbox) == 1


def to_review(alpha: Association, staff: Staff, slug: str = "jamoum") -> SupportCase:
    install_policy(alpha, slug)
    case = open_case(staff.reception)
    while case.step != "committee_review":
        case = take_step(case, staff)
    return case


def test_opening_a_request_texts_the_applicant_a_link_to_follow_it(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception)
    [job] = jobs_for(case, "request_received")
    assert job.args["schema_name"] == "alpha"
    assert run(tasks.request_received, case, job) == 1
    assert run(tasks.request_received, case, job) == 0  # the same event never sends twice
    [message] = sms.outbox
    assert message.to == "+966551234567"
    assert f"طلبكم رقم {case.pk}" in message.body
    path = re.search(r"http://alpha\.localhost(/t/\S+)", message.body).group(1)  # type: ignore[union-attr]
    page = Client(HTTP_HOST=host_for(alpha)).get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert f"طلبكم رقم {case.pk}" in body and 'class="current"' in body


def test_entering_review_schedules_a_reminder_and_an_overdue_alert(alpha: Association, staff: Staff) -> None:
    case = to_review(alpha, staff)
    assert case.decision_due is not None
    [reminder] = jobs_for(case, "decision_reminder")
    [overdue] = jobs_for(case, "decision_overdue_alert")
    assert overdue.scheduled_at == case.decision_due
    assert reminder.scheduled_at == case.decision_due - dt.timedelta(hours=48)

    connection.set_tenant(alpha)
    sent = run(tasks.decision_reminder, case, reminder)
    assert sent == 3  # the research committee's three members
    assert {m.to[0] for m in mail.outbox} == {f"committee{i}@alpha.test" for i in (1, 2, 3)}
    assert f"الطلب رقم {case.pk}" in mail.outbox[0].body
    assert run(tasks.decision_reminder, case, reminder) == 0
    assert Notification.objects.filter(case=case, kind=NotificationKind.DECISION_REMINDER).count() == 3

    # Not yet due: the overdue alert does nothing; once past due it alerts deciders and admins.
    assert run(tasks.decision_overdue_alert, case, overdue) == 0
    SupportCase.objects.filter(pk=case.pk).update(decision_due=timezone.now() - dt.timedelta(hours=1))
    assert run(tasks.decision_overdue_alert, case, overdue) == 4
    assert "admin@alpha.test" in {m.to[0] for m in mail.outbox}


def test_a_decided_case_gets_no_reminder(alpha: Association, staff: Staff) -> None:
    case = to_review(alpha, staff)
    [reminder] = jobs_for(case, "decision_reminder")
    case = take_step(case, staff)  # the committee decides
    assert case.step != "committee_review"
    assert run(tasks.decision_reminder, case, reminder) == 0
    assert mail.outbox == []


def test_a_rolled_back_change_enqueues_nothing(alpha: Association, staff: Staff) -> None:
    install_policy(alpha, "jamoum")
    before = ProcrastinateJob.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        open_case(staff.reception)
        raise RuntimeError("the request fails after the case was opened")
    assert ProcrastinateJob.objects.count() == before


def test_after_service_the_beneficiary_is_asked_to_rate_it_and_can(alpha: Association, staff: Staff) -> None:
    case = to_review(alpha, staff)
    while case.status == "open":
        case = take_step(case, staff)
    assert case.outcome == "served"
    [job] = jobs_for(case, "satisfaction_request")
    assert run(tasks.satisfaction_request, case, job) == 1
    assert run(tasks.satisfaction_request, case, job) == 0
    message = sms.outbox[-1]
    path = re.search(r"http://alpha\.localhost(/r/\S+)", message.body).group(1)  # type: ignore[union-attr]

    # The request was served twice (cash, then in kind): the link rates each, one after the other.
    client = Client(HTTP_HOST=host_for(alpha))
    form = client.get(path)
    assert form.status_code == 200 and "كيف كانت خدمتنا" in form.content.decode()
    assert "دعم نقدي — 1,500.00 ريال" in form.content.decode()
    bad = client.post(path, {"score": "9"})
    assert bad.status_code == 400 and "التقييم من ١ إلى ٥" in bad.content.decode()
    first = client.post(path, {"score": "4", "comment": "خدمة سريعة"})
    assert (first.status_code, first["Location"]) == (302, path)
    form = client.get(path)
    assert "دعم عيني" in form.content.decode() and "دعم نقدي" not in form.content.decode()
    done = client.post(path, {"score": "5"})
    assert done.status_code == 200 and "شكرًا" in done.content.decode()
    connection.set_tenant(alpha)
    cash, in_kind = case.services.order_by("id")
    ratings = SatisfactionRating.objects.filter(case=case).order_by("id")
    assert [(r.service, r.score, r.comment, r.recorded_by) for r in ratings] == [
        (cash, 4, "خدمة سريعة", None),
        (in_kind, 5, "", None),
    ]
    assert "قيّمتم هذه الخدمة من قبل" in client.get(path).content.decode()  # once only


def test_links_are_secret_per_association_and_expire(
    alpha: Association, tenant_b: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception)
    [job] = jobs_for(case, "request_received")
    run(tasks.request_received, case, job)
    path = re.search(r"(/t/\S+)", sms.outbox[-1].body).group(1)  # type: ignore[union-attr]
    assert Client(HTTP_HOST=host_for(tenant_b)).get(path).status_code == 404  # another association
    assert Client(HTTP_HOST=host_for(alpha)).get("/t/not-a-token").status_code == 404
    connection.set_tenant(alpha)
    link = BeneficiaryLink.objects.get(case=case)
    assert path.split("/")[-1] not in link.token_sha256  # only the hash is stored
    BeneficiaryLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert Client(HTTP_HOST=host_for(alpha)).get(path).status_code == 404


def test_a_member_who_voted_is_not_offered_the_vote_again(alpha: Association, staff: Staff) -> None:
    from casework import services

    case = to_review(alpha, staff)
    assert "vote" in services.case_available_actions(case=case, user=staff.committee[0])
    case = services.case_transition(
        actor=staff.committee[0], case_id=case.pk, action="vote", data={"choice": "accept", "reason": "ثابتة"}
    )
    assert "vote" not in services.case_available_actions(case=case, user=staff.committee[0])
    assert "vote" in services.case_available_actions(case=case, user=staff.committee[1])


def test_the_applicant_confirms_their_data_from_the_follow_link(alpha: Association, staff: Staff) -> None:
    from casework import services
    from casework.models import Attestation

    install_policy(alpha, "jamoum")
    case = open_case(staff.reception)
    while case.step != "attest":
        case = take_step(case, staff)
    [job] = jobs_for(case, "request_received")
    run(tasks.request_received, case, job)
    path = re.search(r"(/t/\S+)", sms.outbox[-1].body).group(1)  # type: ignore[union-attr]
    client = Client(HTTP_HOST=host_for(alpha))
    page = client.get(path)
    body = page.content.decode()
    assert "يُرجى تأكيد بياناتكم" in body and case.beneficiary.national_id in body
    data_hash = page.context["to_attest"]["hash"]

    unconfirmed = client.post(path, {"typed_name": "محمد الحماد", "data_hash": data_hash})
    assert unconfirmed.status_code == 400 and "يلزم تأكيد المستفيد" in unconfirmed.content.decode()
    stale = client.post(path, {"typed_name": "محمد الحماد", "confirmed": "yes", "data_hash": "0" * 64})
    assert stale.status_code == 400  # the data changed since it was shown: nothing signed
    connection.set_tenant(alpha)
    assert not Attestation.objects.filter(case=case).exists()

    done = client.post(path, {"typed_name": "محمد الحماد", "confirmed": "yes", "data_hash": data_hash})
    assert done.status_code == 302
    connection.set_tenant(alpha)
    attestation = Attestation.objects.get(case=case)
    assert (attestation.method, attestation.typed_name, attestation.witnessed_by) == (
        "portal",
        "محمد الحماد",
        None,
    )
    assert "أكّدتم بياناتكم" in client.get(path).content.decode()
    case.refresh_from_db()
    case = services.case_transition(actor=staff.reception, case_id=case.pk, action="complete")
    assert case.step == "committee_review"  # the office completes the step on the portal signature


def test_satisfaction_is_shown_in_aggregate_only(alpha: Association, staff: Staff) -> None:
    from casework import services
    from tests.casework.conftest import register

    install_policy(alpha, "rumaila")
    scores = [5, 4, 5, 3, 5]
    for index, score in enumerate(scores):
        case = open_case(
            staff.reception, register(staff.reception, name=f"مستفيد رقم {index}", phone=f"05500000{index}0")
        )
        while case.status == "open":
            case = take_step(case, staff)
        services.satisfaction_record(
            actor=None, case_id=case.pk, service_id=case.services.earliest("id").pk, score=score, comment=""
        )
        page = browser_for(alpha, staff.admin).get("/staff/satisfaction/")
        rows = page.context["summary"]["employees"]
        # The employee who served appears only from the fifth rating, and only as an average.
        assert rows == (
            []
            if index < 4
            else [{"employee_id": staff.reception.pk, "name": "ريم الاستقبال", "count": 5, "average": 4.4}]
        )
    body = page.content.decode()
    assert "4,4" in body and "رضا المستفيدين" in body  # Arabic number format
    assert browser_for(alpha, staff.reception).get("/staff/satisfaction/").status_code == 403


def browser_for(tenant: Association, user: object) -> Client:
    client = Client(HTTP_HOST=host_for(tenant))
    connection.set_tenant(tenant)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_an_accepted_request_texts_the_applicant_once_after_the_decision(
    alpha: Association, staff: Staff
) -> None:
    case = to_review(alpha, staff)
    assert jobs_for(case, "decision_message") == []  # nothing decided yet
    case = take_step(case, staff)  # the committee accepts
    [job] = jobs_for(case, "decision_message")
    assert run(tasks.decision_message, case, job) == 1
    assert run(tasks.decision_message, case, job) == 0  # the same decision never texts twice
    [message] = sms.outbox
    assert message.to == "+966551234567"
    assert message.body.startswith(f"قُبل طلبكم رقم {case.pk}.")
    path = re.search(r"http://alpha\.localhost(/t/\S+)", message.body).group(1)  # type: ignore[union-attr]
    assert Client(HTTP_HOST=host_for(alpha)).get(path).status_code == 200
    assert Notification.objects.filter(case=case, kind=NotificationKind.DECISION).count() == 1


REASON = (
    "الدخل الشهري للأسرة يزيد على الحد الذي تحدده لائحة الجمعية للمساعدات النقدية، "
    "ولم تُرفق المستندات التي تثبت الالتزامات المالية الأخرى المذكورة في الطلب رغم التذكير مرتين."
)


def _rejected(alpha: Association, staff: Staff, *, shared: bool) -> SupportCase:
    from tests.casework.test_casework_flow import act

    case = to_review(alpha, staff, slug="tabuk")  # the administration decides
    if shared:
        version = case.policy_version
        version.document = {**version.document, "decision_reason_shared": True}
        version.save(update_fields=["document"])
    return act(staff.administration, case, "decide", outcome="rejected", reason=REASON)


def test_a_rejection_texts_no_reason_unless_the_policy_shares_it(alpha: Association, staff: Staff) -> None:
    case = _rejected(alpha, staff, shared=False)
    [job] = jobs_for(case, "decision_message")
    assert run(tasks.decision_message, case, job) == 1
    [message] = sms.outbox
    assert message.body.startswith(f"نعتذر، لم يُقبل طلبكم رقم {case.pk}. للتفاصيل: http://alpha.localhost/t/")
    assert "السبب" not in message.body and "الدخل" not in message.body


def test_a_rejection_texts_the_reasons_summary_where_the_policy_shares_it(
    alpha: Association, staff: Staff
) -> None:
    case = _rejected(alpha, staff, shared=True)
    [job] = jobs_for(case, "decision_message")
    assert run(tasks.decision_message, case, job) == 1
    [message] = sms.outbox
    summary = re.search(r"السبب: (.*) للتفاصيل:", message.body).group(1)  # type: ignore[union-attr]
    assert summary.endswith("…")
    assert len(summary) <= 121
    assert REASON.startswith(summary.removesuffix("…"))
    assert summary.startswith("الدخل الشهري للأسرة يزيد على الحد")


def test_a_reasons_summary_is_cut_at_a_word() -> None:
    assert tasks.reason_summary("  دخل   مرتفع\n") == "دخل مرتفع"
    cut = tasks.reason_summary("كلمة " * 40)
    assert cut == ("كلمة " * 24).strip() + "…"


def test_no_decision_text_to_someone_who_withdrew_their_consent_to_texts(
    alpha: Association, staff: Staff
) -> None:
    from casework.privacy import consents
    from casework.privacy.models import Consent, ConsentKind, ConsentVia

    case = to_review(alpha, staff)
    Consent.objects.create(
        beneficiary=case.beneficiary,
        kind=ConsentKind.SMS,
        notice=consents.notice_for_intake(),
        given_via=ConsentVia.OFFICE,
    )
    consents.consent_withdraw(actor=None, beneficiary_id=case.beneficiary_id, kind=ConsentKind.SMS)
    case = take_step(case, staff)  # the committee accepts
    [job] = jobs_for(case, "decision_message")
    assert run(tasks.decision_message, case, job) == 0
    assert sms.outbox == []
