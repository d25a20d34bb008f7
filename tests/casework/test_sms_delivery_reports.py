"""Delivery reports: the stand-in gateway reports each message's delivery to the platform's callback
as the real one does; the callback checks the secret, records the status on the message of the
association that sent it (and nowhere else), and staff see it beside the message on the case page
and in the API."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.test import Client, TestCase
from pytest_django.fixtures import Settings

from audit.models import AuditEvent
from casework import notifications, tasks
from casework.models import NotificationChannel, NotificationKind, SmsDelivery, SmsPurpose, SmsStatus
from casework.sms import SENT, SendResult
from casework.sms_reports import delivery_record, routes_prune
from casework.sms_standin import GatewayStandin
from tenants.db import connection
from tenants.models import Association, SmsRoute
from tests.casework.conftest import Staff, install_policy, open_case
from tests.casework.test_jobs_and_portal import jobs_for, run
from tests.conftest import host_for

TOKEN = "test-bearer-token"
DLR_SECRET = "dlr-secret-for-tests"
PHONE = "+966551234567"
CALLBACK = "/sms/delivery-reports/"


class _Collector(BaseHTTPRequestHandler):
    """Where the stand-in posts its reports in these tests: each request kept as it came."""

    received: list[dict[str, Any]]

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append({"headers": dict(self.headers), "body": body})
        self.send_response(200)
        self.end_headers()


@pytest.fixture
def collector() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sms/delivery-reports/", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def gateway(settings: Settings, collector: tuple[str, list[dict[str, Any]]]) -> Iterator[GatewayStandin]:
    standin = GatewayStandin(
        token=TOKEN, senders=("Sila",), dlr_url=collector[0], dlr_token=DLR_SECRET, dlr_delay=0.0
    ).start()
    settings.SILA_SMS_BACKEND = "casework.sms.TaqnyatSmsBackend"
    settings.SILA_SMS_URL = standin.url
    settings.SILA_SMS_TOKEN = TOKEN
    settings.SILA_SMS_SENDER = "Sila"
    settings.SILA_SMS_RETRIES = 0
    settings.SILA_SMS_DLR_TOKEN = DLR_SECRET
    yield standin
    standin.stop()


def reports_posted(received: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(received) < count:
        assert time.monotonic() < deadline, f"the stand-in posted {len(received)} reports, not {count}"
        time.sleep(0.05)
    return received[:count]


def forward(posted: dict[str, Any]) -> Any:
    """The stand-in's report, as it came (headers and body), to the platform's callback."""
    return Client(HTTP_HOST="localhost").generic(
        "POST",
        CALLBACK,
        posted["body"],
        content_type=posted["headers"]["Content-Type"],
        HTTP_AUTHORIZATION=posted["headers"]["Authorization"],
    )


def send(dedupe_key: str) -> SmsDelivery:
    with TestCase.captureOnCommitCallbacks(execute=True):
        notifications.send_once(
            case=None,
            kind=NotificationKind.REQUEST_RECEIVED,
            dedupe_key=dedupe_key,
            message=notifications.Outgoing(NotificationChannel.SMS, PHONE, "", "استلمنا طلبكم"),
        )
    return SmsDelivery.objects.get(notification__dedupe_key=dedupe_key)


def test_the_gateway_reports_delivery_and_it_is_recorded_on_the_message(
    gateway: GatewayStandin, collector: tuple[str, list[dict[str, Any]]], tenant_a: Association
) -> None:
    connection.set_tenant(tenant_a)
    delivery = send("t:1")
    assert (delivery.status, delivery.delivered_at) == (SmsStatus.SENT, None)
    assert SmsRoute.objects.get(provider_id=delivery.provider_id).schema_name == tenant_a.schema_name
    [posted] = reports_posted(collector[1], 1)
    report = json.loads(posted["body"])
    assert (report["messageId"], report["status"]) == (int(delivery.provider_id), "DELIVERED")
    assert posted["headers"]["Authorization"] == f"Bearer {DLR_SECRET}"

    connection.set_schema_to_public()
    answer = forward(posted)
    assert (answer.status_code, answer.json()) == (200, {"received": 1, "recorded": 1, "unknown": 0})
    connection.set_tenant(tenant_a)
    delivery.refresh_from_db()
    assert delivery.status == SmsStatus.DELIVERED
    assert delivery.delivered_at is not None and delivery.reported_at is not None
    assert delivery.report == "DELIVERED: Delivered to handset"
    assert AuditEvent.objects.filter(action="sms.delivery_reported", object_id=str(delivery.pk)).count() == 1
    # The same report again (gateways retry) changes nothing and is not audited twice.
    connection.set_schema_to_public()
    assert forward(posted).json() == {"received": 1, "recorded": 0, "unknown": 0}
    # A late "on its way" does not undo "delivered".
    late = {**posted, "body": json.dumps({"messageId": report["messageId"], "status": "ENROUTE"}).encode()}
    assert forward(late).json()["recorded"] == 0
    connection.set_tenant(tenant_a)
    delivery.refresh_from_db()
    assert delivery.status == SmsStatus.DELIVERED


def test_a_message_that_did_not_reach_the_phone_is_recorded_so(
    gateway: GatewayStandin, collector: tuple[str, list[dict[str, Any]]], tenant_a: Association
) -> None:
    connection.set_tenant(tenant_a)
    gateway.inject(undelivered=1)
    delivery = send("t:2")
    [posted] = reports_posted(collector[1], 1)
    connection.set_schema_to_public()
    assert forward(posted).json()["recorded"] == 1
    connection.set_tenant(tenant_a)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.delivered_at) == (SmsStatus.UNDELIVERED, None)
    assert delivery.report == "UNDELIVERED: Absent subscriber"


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer wrong-secret", f"Bearer {DLR_SECRET}x", "Basic " + base64.b64encode(b"dlr:wrong").decode()],
    ids=["none", "wrong", "longer", "basic-wrong"],
)
def test_a_report_without_the_secret_is_refused_and_changes_nothing(
    tenant_a: Association, settings: Settings, authorization: str
) -> None:
    settings.SILA_SMS_DLR_TOKEN = DLR_SECRET
    connection.set_tenant(tenant_a)
    delivery = delivery_record(
        result=SendResult(SENT, provider_id="7000042"), purpose=SmsPurpose.SIGN_IN_CODE, phone=PHONE
    )
    connection.set_schema_to_public()
    headers = {"Authorization": authorization} if authorization else {}
    client = Client(HTTP_HOST="localhost", headers=headers)
    answer = client.post(
        CALLBACK, {"messageId": "7000042", "status": "DELIVERED"}, content_type="application/json"
    )
    assert answer.status_code == 401
    connection.set_tenant(tenant_a)
    delivery.refresh_from_db()
    assert delivery.status == SmsStatus.SENT


def test_without_a_configured_secret_no_report_is_accepted(tenant_a: Association, settings: Settings) -> None:
    settings.SILA_SMS_DLR_TOKEN = ""
    answer = Client(HTTP_HOST="localhost").post(
        CALLBACK,
        {"messageId": "1", "status": "DELIVERED"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer ",
    )
    assert answer.status_code == 401


def test_basic_authentication_from_a_callback_url_with_the_secret_is_accepted(
    tenant_a: Association, settings: Settings
) -> None:
    settings.SILA_SMS_DLR_TOKEN = DLR_SECRET
    connection.set_tenant(tenant_a)
    delivery = delivery_record(
        result=SendResult(SENT, provider_id="7000043"), purpose=SmsPurpose.SIGN_IN_CODE, phone=PHONE
    )
    connection.set_schema_to_public()
    basic = base64.b64encode(f"dlr:{DLR_SECRET}".encode()).decode()
    answer = Client(HTTP_HOST="localhost").post(
        CALLBACK,
        "messageId=7000043&status=DELIVRD&doneDate=2026-11-30T10:00:00Z",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert answer.json() == {"received": 1, "recorded": 1, "unknown": 0}
    connection.set_tenant(tenant_a)
    delivery.refresh_from_db()
    assert delivery.status == SmsStatus.DELIVERED
    assert (
        delivery.delivered_at is not None and delivery.delivered_at.isoformat() == "2026-11-30T10:00:00+00:00"
    )


def test_a_report_reaches_only_the_association_that_sent_the_message(
    tenant_a: Association, tenant_b: Association, settings: Settings
) -> None:
    settings.SILA_SMS_DLR_TOKEN = DLR_SECRET
    connection.set_tenant(tenant_a)
    theirs = delivery_record(
        result=SendResult(SENT, provider_id="7000050"), purpose=SmsPurpose.SIGN_IN_CODE, phone=PHONE
    )
    # Beta holds a row with the same gateway id (it could not happen with one gateway account; it
    # shows that the route, not a search through the schemas, decides where a report goes).
    connection.set_tenant(tenant_b)
    other = SmsDelivery.objects.create(
        purpose=SmsPurpose.SIGN_IN_CODE,
        recipient_masked="+966•••••••00",
        status=SmsStatus.SENT,
        provider_id="7000050",
    )
    assert SmsRoute.objects.get(provider_id="7000050").schema_name == tenant_a.schema_name
    connection.set_schema_to_public()
    answer = Client(HTTP_HOST="localhost").post(
        CALLBACK,
        [{"messageId": "7000050", "status": "UNDELIVERED"}, {"messageId": "9999999", "status": "DELIVERED"}],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {DLR_SECRET}",
    )
    assert answer.json() == {"received": 2, "recorded": 1, "unknown": 1}
    connection.set_tenant(tenant_a)
    theirs.refresh_from_db()
    assert theirs.status == SmsStatus.UNDELIVERED
    connection.set_tenant(tenant_b)
    other.refresh_from_db()
    assert other.status == SmsStatus.SENT
    # Only the platform's host takes reports; an association's host does not know the address.
    connection.set_schema_to_public()
    on_tenant_host = Client(HTTP_HOST=host_for(tenant_b)).post(
        CALLBACK,
        {"messageId": "7000050", "status": "DELIVERED"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {DLR_SECRET}",
    )
    assert on_tenant_host.status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "application/json"),
        (b"[]", "application/json"),
        (b'{"status": "DELIVERED"}', "application/json"),
        (b'[{"messageId": "1"}]', "application/json"),
        (b'"DELIVERED"', "application/json"),
        (b"\xff\xfe", "application/json"),
    ],
    ids=["not-json", "empty-list", "no-id", "no-status", "a-string", "not-utf8"],
)
def test_a_body_that_is_not_a_report_is_a_400(
    tenant_a: Association, settings: Settings, body: bytes, content_type: str
) -> None:
    settings.SILA_SMS_DLR_TOKEN = DLR_SECRET
    answer = Client(HTTP_HOST="localhost").generic(
        "POST", CALLBACK, body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {DLR_SECRET}"
    )
    assert answer.status_code == 400
    assert "detail" in answer.json()


def test_old_routes_are_forgotten(tenant_a: Association) -> None:
    import datetime as dt

    from django.utils import timezone

    connection.set_tenant(tenant_a)
    delivery_record(result=SendResult(SENT, provider_id="old"), purpose=SmsPurpose.SIGN_IN_CODE, phone=PHONE)
    delivery_record(result=SendResult(SENT, provider_id="new"), purpose=SmsPurpose.SIGN_IN_CODE, phone=PHONE)
    SmsRoute.objects.filter(provider_id="old").update(created_at=timezone.now() - dt.timedelta(days=8))
    assert routes_prune() == 1
    assert list(SmsRoute.objects.values_list("provider_id", flat=True)) == ["new"]


def test_staff_see_each_message_and_whether_it_reached_the_phone(
    alpha: Association, staff: Staff, settings: Settings
) -> None:
    settings.SILA_SMS_DLR_TOKEN = DLR_SECRET
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception)
    [job] = jobs_for(case, "request_received")
    assert run(tasks.request_received, case, job) == 1
    connection.set_tenant(alpha)
    delivery = SmsDelivery.objects.get(notification__case=case)
    from tests.casework.test_casework_screens import browser

    page = browser(alpha, staff.reception).get(f"/staff/cases/{case.pk}/").content.decode()
    assert 'id="messages"' in page
    assert "أُرسلت، بانتظار تقرير التسليم" in page
    connection.set_schema_to_public()
    Client(HTTP_HOST="localhost").post(
        CALLBACK,
        {"messageId": delivery.provider_id, "status": "UNDELIVERED"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {DLR_SECRET}",
    )
    page = browser(alpha, staff.reception).get(f"/staff/cases/{case.pk}/").content.decode()
    assert "لم تصل إلى الهاتف" in page
    assert "تحقق من رقم الجوال مع المستفيد" in page
    from tests.casework.conftest import Api

    detail = Api(alpha, staff.reception).get(f"/api/v1/cases/{case.pk}/").json()
    assert [(m["kind"], m["status"]) for m in detail["messages"]] == [("request_received", "undelivered")]
