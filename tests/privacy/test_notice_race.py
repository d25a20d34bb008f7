"""Two admins publish the association's first privacy notice at the same moment, each in a
transaction of its own that really commits (as in tests/casework/test_casework_concurrency.py):
both are published, numbered 1 and 2, and neither gets a server error. Two first requests at once
record Sila's template once, as version 1."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection as django_connection

from accounts.models import Role, RoleCode, User
from audit.models import AuditEvent
from casework.privacy import consents
from casework.privacy.models import PrivacyNotice
from tenants import routing
from tenants.db import connection
from tenants.models import Association, Domain
from tenants.services import association_provision
from tests.casework.conftest import PASSWORD, Staff

SLUG = "privacy-notice-threads"


@pytest.fixture
def committed_association(django_db_setup: None, django_db_blocker: Any) -> Iterator[Association]:
    with django_db_blocker.unblock():
        association = association_provision(
            slug=SLUG, name_ar="جمعية الإشعار", name_en="Notice Race", admin_email="admin@notice.test"
        ).association
        try:
            yield association
        finally:
            connection.set_schema_to_public()
            with django_connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{association.schema_name}" CASCADE')
            AuditEvent.objects.filter(
                object_type="tenants.association", object_id=str(association.pk)
            ).delete()
            Domain.objects.filter(tenant=association).delete()
            Association.objects.filter(pk=association.pk).delete()
            routing.clear()


def _admin(email: str) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=email, is_staff=True)
    user.roles.add(Role.objects.get(code=RoleCode.ASSOCIATION_ADMIN))
    return user


def _together(association: Association, calls: list[Callable[[], Any]]) -> list[object]:
    """Each call in a thread of its own (its own connection), started together."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            connection.set_tenant(association)
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def slow_template(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishing reads the template between numbering and saving: slowed down, two publishers
    that were not made to take turns would both number their notice 1."""
    real = consents.notice_template

    def slow() -> tuple[str, str]:
        time.sleep(0.3)
        return real()

    monkeypatch.setattr(consents, "notice_template", slow)


def test_two_admins_publishing_the_first_notice_at_once_get_versions_1_and_2(
    committed_association: Association, slow_template: None
) -> None:
    connection.set_tenant(committed_association)
    assert not PrivacyNotice.objects.exists()
    first, second = _admin("first@notice.test"), _admin("second@notice.test")
    results = _together(
        committed_association,
        [
            lambda: consents.privacy_notice_publish(actor=first, body_ar="إشعار أول", body_en="First"),
            lambda: consents.privacy_notice_publish(actor=second, body_ar="إشعار ثان", body_en="Second"),
        ],
    )
    assert all(isinstance(r, PrivacyNotice) for r in results), results
    connection.set_tenant(committed_association)
    published = sorted(PrivacyNotice.objects.values_list("version", "published_by__email"))
    assert [version for version, _email in published] == [1, 2]
    assert {email for _version, email in published} == {"first@notice.test", "second@notice.test"}


def test_two_first_requests_at_once_record_the_template_once(
    committed_association: Association, slow_template: None
) -> None:
    connection.set_tenant(committed_association)
    results = _together(committed_association, [consents.notice_for_intake, consents.notice_for_intake])
    assert all(isinstance(r, PrivacyNotice) for r in results), results
    assert [r.version for r in results if isinstance(r, PrivacyNotice)] == [1, 1]
    connection.set_tenant(committed_association)
    assert list(PrivacyNotice.objects.values_list("version", "from_template")) == [(1, True)]


@pytest.mark.django_db
def test_publishing_in_turn_numbers_each_version_after_the_last(alpha: Association, staff: Staff) -> None:
    # (Marked for the database, this test also makes pytest-django set up the test database when
    # the module runs alone: the tests above commit in an association of their own.)
    before = PrivacyNotice.objects.order_by("-version").values_list("version", flat=True).first() or 0
    one = consents.privacy_notice_publish(actor=staff.admin, body_ar="أ", body_en="a")
    two = consents.privacy_notice_publish(actor=staff.admin, body_ar="ب", body_en="b")
    assert (one.version, two.version) == (before + 1, before + 2)
    assert consents.notice_for_intake() == two
