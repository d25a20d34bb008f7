"""No job lost: a job left in ``doing`` by a worker that died is put back in the queue, and its
message is still recorded once; expired Idempotency-Key answers are deleted."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import connection as django_connection
from django.utils import timezone
from procrastinate.contrib.django import app

from casework.api.idempotency import expired_keys_delete
from casework.maintenance import idempotency_keys_expire
from casework.models import IdempotencyKey
from tenants.db import connection
from tenants.models import Association
from tenants.tasks import retry_stalled_jobs
from tests.casework.conftest import Api, Staff, new_national_id

pytestmark = pytest.mark.django_db


def _job_status(job_id: int) -> str:
    with django_connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job_id])
        return str(cursor.fetchone()[0])


def _worker_died_running(job_id: int, *, heartbeat_age_seconds: int) -> None:
    """What a killed worker leaves behind: its row with an old heartbeat, its job in `doing`."""
    with django_connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (NOW() - make_interval(secs => %s)) "
            "RETURNING id",
            [heartbeat_age_seconds],
        )
        worker_id = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s, attempts = 1 WHERE id = %s",
            [worker_id, job_id],
        )


def _run_recovery() -> int:
    """The periodic job's body, through procrastinate's Django connector (the test's connection)."""
    context: Any = SimpleNamespace(app=app, job=SimpleNamespace(id=-1))
    return int(async_to_sync(retry_stalled_jobs.func)(context, timestamp=0))


def test_a_dead_workers_job_is_queued_again_and_a_live_ones_is_not(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    from casework.tasks import request_received

    dead_job = request_received.defer(schema_name=tenant_a.schema_name, case_id=1, event_id=1)
    live_job = request_received.defer(schema_name=tenant_a.schema_name, case_id=2, event_id=2)
    _worker_died_running(dead_job, heartbeat_age_seconds=600)
    _worker_died_running(live_job, heartbeat_age_seconds=0)
    assert _run_recovery() == 1
    assert _job_status(dead_job) == "todo"
    assert _job_status(live_job) == "doing"


def test_expired_idempotency_keys_are_deleted_and_a_reused_expired_key_runs_again(
    alpha: Association, staff: Staff, settings: Any
) -> None:
    api = Api(alpha, staff.admin)
    body = {"national_id": new_national_id(), "full_name_ar": "سارة محمد العتيبي", "phone": "0553334444"}
    first = api.post("/api/v1/beneficiaries/", body, **{"Idempotency-Key": "abc"})
    assert first.status_code == 201
    again = api.post("/api/v1/beneficiaries/", body, **{"Idempotency-Key": "abc"})
    assert again["Idempotent-Replayed"] == "true"
    assert json.loads(again.content)["id"] == json.loads(first.content)["id"]
    connection.set_tenant(alpha)
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    # Expired: the request runs again (and finds the record it made the first time).
    later = api.post("/api/v1/beneficiaries/", body, **{"Idempotency-Key": "abc"})
    assert later.status_code == 400, later.content
    assert "existing" in json.loads(later.content), later.content
    assert "Idempotent-Replayed" not in later
    connection.set_tenant(alpha)
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    api.post(
        "/api/v1/beneficiaries/", {**body, "national_id": new_national_id()}, **{"Idempotency-Key": "new"}
    )
    connection.set_tenant(alpha)
    assert IdempotencyKey.objects.count() == 2
    IdempotencyKey.objects.exclude(key="new").update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert idempotency_keys_expire(timestamp=0) == 1
    connection.set_tenant(alpha)
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
    assert expired_keys_delete() == 0


def test_stored_messages_keep_no_follow_or_rating_link(
    alpha: Association, staff: Staff, django_capture_on_commit_callbacks: Any
) -> None:
    import re

    from casework import notifications, sms
    from casework.models import Notification, NotificationKind
    from tests.casework.conftest import install_policy, open_case

    install_policy(alpha, "jamoum")
    case = open_case(staff.reception)
    sms.outbox.clear()
    path = notifications.link_create(case=case, purpose="track")
    token = path.rsplit("/", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):
        sent = notifications.send_once(
            case=case,
            kind=NotificationKind.REQUEST_RECEIVED,
            dedupe_key="redact-test",
            message=notifications.Outgoing(
                channel="sms",
                recipient="+966551234567",
                subject="",
                body=f"تابعوا: http://alpha.localhost{path}",
            ),
        )
    assert sent is True
    assert token in sms.outbox[-1].body  # the beneficiary gets the link
    stored = Notification.objects.get(dedupe_key="redact-test").body
    assert token not in stored
    assert re.search(r"/t/…$", stored)
    assert notifications.redact_links("/r/abcdefgh12345678 and /t/ZZZZ_zzzz-99") == "/r/… and /t/…"


def test_a_message_whose_worker_died_mid_send_is_sent_by_the_retry_once(
    alpha: Association, staff: Staff, django_capture_on_commit_callbacks: Any
) -> None:
    """What a worker killed inside the gateway's call leaves: the message's record committed, no
    delivery. The job's retry sends it; a further retry does not."""
    from casework import notifications, sms
    from casework.models import Notification, NotificationKind
    from tests.casework.conftest import install_policy, open_case

    install_policy(alpha, "jamoum")
    case = open_case(staff.reception)
    message = notifications.Outgoing(
        channel="sms", recipient="+966551234567", subject="", body="استلمنا طلبكم"
    )
    Notification.objects.create(
        case=case,
        kind=NotificationKind.REQUEST_RECEIVED,
        channel="sms",
        recipient=message.recipient,
        body=message.body,
        dedupe_key="killed-mid-send",
    )
    sms.outbox.clear()
    for _retry in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            recorded = notifications.send_once(
                case=case,
                kind=NotificationKind.REQUEST_RECEIVED,
                dedupe_key="killed-mid-send",
                message=message,
            )
        assert recorded is False
    assert [m.body for m in sms.outbox] == ["استلمنا طلبكم"]
    assert Notification.objects.filter(dedupe_key="killed-mid-send").count() == 1
    assert Notification.objects.get(dedupe_key="killed-mid-send").deliveries.count() == 1
