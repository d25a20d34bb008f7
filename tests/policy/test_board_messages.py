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
