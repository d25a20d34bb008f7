"""Messages that move the board: submitted (with the link), quorum, in force; once per event,
in each member's language, after commit; the landing page lists what awaits a member's vote."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client, TestCase

from policy_engine import services
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.conftest import host_for
from tests.policy.conftest import People, vote

pytestmark = pytest.mark.django_db


def _subjects_to(email: str) -> list[str]:
    return [str(m.subject) for m in mail.outbox if email in m.to]


def test_submission_quorum_and_force_each_message_the_board_once_in_their_language(
    tenant_a: Association, people: People, draft: PolicyVersion
) -> None:
    connection.set_tenant(tenant_a)
    people.member1.preferred_language = "en"
    people.member1.save(update_fields=["preferred_language"])

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.policy_version_submit(actor=people.admin, number=1)
    assert _subjects_to("member1@alpha.test") == ["Policy version 1 awaits your vote"]
    assert _subjects_to("member2@alpha.test") == ["الإصدار 1 من السياسة بانتظار تصويتك"]
    link_mail = next(m for m in mail.outbox if "member1@alpha.test" in m.to)
    assert "http://alpha.localhost/staff/policy/1/" in str(link_mail.body)
    assert _subjects_to("reception@alpha.test") == []

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        vote(tenant_a, people.member1, 1)
    assert mail.outbox == []  # 1 of 2: no quorum yet
    with TestCase.captureOnCommitCallbacks(execute=True):
        vote(tenant_a, people.member2, 1)
    assert _subjects_to("member1@alpha.test") == ["Version 1 has reached its quorum"]
    assert len(_subjects_to("admin@alpha.test")) == 1

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        vote(tenant_a, people.chair, 1)  # a third approval: quorum was already announced
        services.policy_version_approve(actor=people.chair, number=1, reauthenticate=lambda: "mfa:totp")
    assert _subjects_to("chair@alpha.test") == ["الإصدار 1 من السياسة نافذ"]
    assert _subjects_to("member1@alpha.test") == ["Policy version 1 is in force"]


def test_a_rolled_back_submission_sends_nothing(
    tenant_a: Association, people: People, draft: PolicyVersion
) -> None:
    from django.db import transaction

    connection.set_tenant(tenant_a)
    with TestCase.captureOnCommitCallbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.policy_version_submit(actor=people.admin, number=1)
        raise RuntimeError("the request failed after submitting")
    assert mail.outbox == []


def test_a_board_member_s_landing_page_lists_what_awaits_their_vote(
    tenant_a: Association, people: People, submitted: PolicyVersion
) -> None:
    def landing(user: Any) -> str:
        connection.set_tenant(tenant_a)
        client = Client(HTTP_HOST=host_for(tenant_a))
        client.force_login(user)
        return client.get("/").content.decode()

    assert 'href="/staff/policy/1/"' in landing(people.member1)
    vote(tenant_a, people.member1, 1)
    assert "awaiting-vote" not in landing(people.member1)
    assert "awaiting-vote" in landing(people.member2)
    assert "awaiting-vote" not in landing(people.reception)


@pytest.fixture
def to_sign(tenant_a: Association, people: People) -> PolicyVersion:
    """Version 1 in force, its policy asking every staff member to sign it."""
    from tests.policy.conftest import seed_document

    connection.set_tenant(tenant_a)
    document = {**seed_document("rumaila"), "staff_acknowledgment_required": True}
    services.policy_version_create_draft(actor=people.admin, document=document)
    services.policy_version_submit(actor=people.admin, number=1)
    vote(tenant_a, people.member1, 1)
    vote(tenant_a, people.member2, 1)
    services.policy_version_approve(actor=people.chair, number=1, reauthenticate=lambda: "mfa:totp")
    return PolicyVersion.objects.get(number=1)


def test_staff_who_have_not_signed_are_reminded_every_three_days_until_they_sign(
    tenant_a: Association, people: People, to_sign: PolicyVersion
) -> None:
    import datetime as dt

    from policy_engine.tasks import acknowledgment_reminders_send

    in_force = to_sign.in_force_from
    assert in_force is not None
    day = dt.timedelta(days=1)
    people.member1.preferred_language = "en"
    people.member1.save(update_fields=["preferred_language"])
    people.admin2.is_active = False  # a switched-off account is reminded of nothing
    people.admin2.save(update_fields=["is_active"])
    mail.outbox.clear()

    def remind(days: int) -> int:
        connection.set_tenant(tenant_a)
        with TestCase.captureOnCommitCallbacks(execute=True):
            return acknowledgment_reminders_send(now=in_force + days * day)

    assert remind(2) == 0  # the in-force message covers the first days
    everyone = {
        "admin@alpha.test",
        "reception@alpha.test",
        "chair@alpha.test",
        "member1@alpha.test",
        "member2@alpha.test",
    }
    assert remind(3) == 5
    assert {m.to[0] for m in mail.outbox} == everyone
    assert _subjects_to("member1@alpha.test") == ["Reminder: sign that you have read policy version 1"]
    assert _subjects_to("reception@alpha.test") == ["تذكير: وقّع على اطلاعك على الإصدار 1 من السياسة"]
    assert "http://alpha.localhost/staff/policy/1/" in str(mail.outbox[0].body)
    assert remind(4) == 0  # once per period, however often the job runs

    connection.set_tenant(tenant_a)
    services.staff_acknowledge(actor=people.reception, number=1, signed_name="موظف الاستقبال")
    mail.outbox.clear()
    assert remind(6) == 4
    assert {m.to[0] for m in mail.outbox} == everyone - {"reception@alpha.test"}


def test_the_daily_job_reminds_in_every_association(
    tenant_a: Association, people: People, to_sign: PolicyVersion
) -> None:
    import datetime as dt

    from policy_engine.tasks import acknowledgment_reminders

    connection.set_tenant(tenant_a)
    PolicyVersion.objects.filter(pk=to_sign.pk).update(
        in_force_from=to_sign.in_force_from - dt.timedelta(days=3)  # type: ignore[operator]
    )
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert acknowledgment_reminders(timestamp=0) == 6  # alpha's staff; beta has no policy
    assert len(mail.outbox) == 6


def test_staff_see_the_version_awaiting_their_signature_where_they_work(
    tenant_a: Association, people: People, to_sign: PolicyVersion
) -> None:
    def page(user: Any, path: str) -> str:
        connection.set_tenant(tenant_a)
        client = Client(HTTP_HOST=host_for(tenant_a))
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200
        return response.content.decode()

    for path in ("/", "/staff/", "/staff/policy/"):
        assert 'id="awaiting-signature"' in page(people.reception, path)
    # The version's number in the page's digits, as the dates beside it are.
    assert "إصدار السياسة ١</a>" in page(people.reception, "/staff/")
    connection.set_tenant(tenant_a)
    services.staff_acknowledge(actor=people.reception, number=1, signed_name="موظف الاستقبال")
    for path in ("/", "/staff/", "/staff/policy/"):
        assert "awaiting-signature" not in page(people.reception, path)
    assert "awaiting-signature" not in page(people.outsider, "/")  # not staff
    # The administrator sees who has not signed yet.
    who = page(people.admin, "/staff/policy/1/acknowledgments")
    assert "رئيس المجلس" in who and "موظف الاستقبال" in who
