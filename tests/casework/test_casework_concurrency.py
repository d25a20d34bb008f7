"""Two employees act on one case at the same moment, each in a transaction of their own that
really commits: one wins, the other gets a 409 conflict, and nothing is lost or applied twice.

The usual test transaction cannot show this (both threads would need to see each other's
commits), and pytest-django's ``transaction=True`` would flush the public schema, where the
session's associations live. So this test provisions an association of its own, commits for
real, and drops it afterwards whatever happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection as django_connection

from accounts.models import Role, RoleCode, User
from audit.models import AuditEvent
from casework import services
from casework.hooks import case_event_listener, remove_case_event_listener
from casework.models import CaseEvent, SupportCase
from core.errors import ServiceError
from tenants import routing
from tenants.db import connection
from tenants.models import Association, Domain
from tenants.services import association_provision
from tests.casework.conftest import PASSWORD, install_policy, intake_answers, new_national_id

SLUG = "casework-threads"


@pytest.fixture
def committed_association(django_db_setup: None, django_db_blocker: Any) -> Iterator[Association]:
    with django_db_blocker.unblock():
        association = association_provision(
            slug=SLUG, name_ar="جمعية التزامن", name_en="Concurrency", admin_email="admin@threads.test"
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


def _employee(email: str) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=email, is_staff=True)
    user.roles.add(Role.objects.get(code=RoleCode.RECEPTION_EMPLOYEE))
    return user


def _race(association: Association, case_id: int, attempts: list[dict[str, Any]]) -> list[object]:
    """Run each attempt in a thread of its own (its own connection), started together."""
    barrier = threading.Barrier(len(attempts))
    results: list[object] = [None] * len(attempts)

    def run(index: int, attempt: dict[str, Any]) -> None:
        try:
            connection.set_tenant(association)
            barrier.wait(timeout=10)
            results[index] = services.case_transition(case_id=case_id, **attempt)
        except ServiceError as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_employees_completing_a_step_at_once(committed_association: Association) -> None:
    connection.set_tenant(committed_association)
    install_policy(committed_association, "rumaila")
    first, second = _employee("first@threads.test"), _employee("second@threads.test")
    beneficiary = services.beneficiary_register(
        actor=first, national_id=new_national_id(), full_name_ar="سالم ناصر", phone="0551230000"
    )
    case = services.case_open(
        actor=first, beneficiary_id=beneficiary.pk, channel="interview", intake=intake_answers()
    )
    for item in case.checklist.filter(step="receive"):
        case = services.case_transition(
            actor=first, case_id=case.pk, action="verify_item", data={"code": item.code}
        )

    # The winner holds the case's lock a little while: the other one must wait for it, then see.
    def slow(event: CaseEvent) -> None:
        if event.action == "complete":
            time.sleep(0.3)

    case_event_listener(slow)
    try:
        results = _race(
            committed_association,
            case.pk,
            [
                {"actor": first, "action": "complete", "data": {}, "expected_revision": case.revision},
                {"actor": second, "action": "complete", "data": {}, "expected_revision": case.revision},
            ],
        )
        won = [r for r in results if isinstance(r, SupportCase)]
        lost = [r for r in results if isinstance(r, ServiceError)]
        assert (len(won), len(lost)) == (1, 1), results
        assert (lost[0].status, lost[0].code) == (409, "stale_revision")

        # Without a revision, naming the step one saw is enough to be told it moved on.
        connection.set_tenant(committed_association)
        case.refresh_from_db()
        for item in case.checklist.filter(step="verify"):
            case = services.case_transition(
                actor=first, case_id=case.pk, action="verify_item", data={"code": item.code}
            )
        results = _race(
            committed_association,
            case.pk,
            [
                {"actor": first, "action": "complete", "data": {"step": "verify"}},
                {"actor": second, "action": "complete", "data": {"step": "verify"}},
            ],
        )
        codes = sorted(r.code if isinstance(r, ServiceError) else "ok" for r in results)
        assert codes == ["ok", "step_moved_on"], results
    finally:
        remove_case_event_listener(slow)

    connection.set_tenant(committed_association)
    case.refresh_from_db()
    assert case.step == "attest"
    completes = CaseEvent.objects.filter(case=case, action="complete").order_by("id")
    assert [(e.from_step, e.to_step) for e in completes] == [("receive", "verify"), ("verify", "attest")]
    assert case.revision == CaseEvent.objects.filter(case=case).count()
