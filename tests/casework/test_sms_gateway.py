"""The Taqnyat SMS backend against a local server that answers like the gateway: accepted messages
carry the gateway's id, a timeout or a 5xx is retried, a definite refusal is not, and the delivery
is recorded; no log line carries a full number or a secret link."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
from django.test import TestCase
from pytest_django.fixtures import Settings

from casework import notifications, sms
from casework.models import Notification, NotificationChannel, NotificationKind, SmsDelivery, SmsStatus
from casework.sms_standin import GatewayStandin
from tenants.models import Association

TOKEN = "test-bearer-token"
PHONE = "+966551234567"


@pytest.fixture
def gateway(settings: Settings) -> Iterator[GatewayStandin]:
    standin = GatewayStandin(token=TOKEN, senders=("Sila",)).start()
    settings.SILA_SMS_BACKEND = "casework.sms.TaqnyatSmsBackend"
    settings.SILA_SMS_URL = standin.url
    settings.SILA_SMS_TOKEN = TOKEN
    settings.SILA_SMS_SENDER = "Sila"
    settings.SILA_SMS_TIMEOUT = 0.5
    settings.SILA_SMS_RETRIES = 2
    settings.SILA_SMS_BACKOFF = 0.0
    yield standin
    standin.stop()


def message(body: str = "رمز الدخول: 123456") -> sms.SmsMessage:
    return sms.SmsMessage(to=PHONE, body=body, sender="جمعية")


def test_an_accepted_message_reaches_the_gateway_with_its_id(gateway: GatewayStandin) -> None:
    result = sms.get_backend().send(message())
    assert result.status == sms.SENT
    assert result.attempts == 1
    [received] = gateway.state.accepted
    assert received["to"] == PHONE
    assert received["body"] == "رمز الدخول: 123456"
    assert received["sender"] == "Sila"  # the registered sender name, not the association's
    assert result.provider_id == str(received["messageId"])


def test_a_timeout_is_retried_and_then_succeeds(gateway: GatewayStandin) -> None:
    gateway.inject(slow=1, delay=1.5)
    result = sms.get_backend().send(message())
    assert result.status == sms.SENT
    assert result.attempts == 2
    assert gateway.state.requests == 2


def test_server_errors_are_retried_until_the_tries_run_out(gateway: GatewayStandin) -> None:
    gateway.inject(status=503, status_count=10)
    result = sms.get_backend().send(message())
    assert result.status == sms.FAILED
    assert result.attempts == 3  # the first try and SILA_SMS_RETRIES=2 more
    assert gateway.state.requests == 3
    assert gateway.state.accepted == []


def test_a_definite_refusal_is_not_retried(gateway: GatewayStandin, settings: Settings) -> None:
    settings.SILA_SMS_TOKEN = "revoked-token"
    result = sms.get_backend().send(message())
    assert result.status == sms.REFUSED
    assert result.attempts == 1
    assert gateway.state.requests == 1
    assert "401" in result.error


def test_a_number_the_gateway_rejects_is_refused_once(gateway: GatewayStandin) -> None:
    result = sms.get_backend().send(sms.SmsMessage(to="+12025550123", body="x", sender="s"))
    assert (result.status, result.attempts, gateway.state.requests) == (sms.REFUSED, 1, 1)


def test_an_unreachable_gateway_fails_after_the_retries(settings: Settings) -> None:
    standin = GatewayStandin(token=TOKEN).start()
    url = standin.url
    standin.stop()  # nothing listens there any more
    settings.SILA_SMS_BACKEND = "casework.sms.TaqnyatSmsBackend"
    settings.SILA_SMS_URL = url
    settings.SILA_SMS_TOKEN = TOKEN
    settings.SILA_SMS_RETRIES = 1
    settings.SILA_SMS_BACKOFF = 0.0
    result = sms.get_backend().send(message())
    assert (result.status, result.attempts) == (sms.FAILED, 2)


@pytest.mark.django_db
def test_delivery_status_is_recorded_with_the_message(gateway: GatewayStandin, tenant_a: Association) -> None:
    from tenants.db import connection

    connection.set_tenant(tenant_a)
    # The message leaves when its record commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = notifications.send_once(
            case=None,
            kind=NotificationKind.REQUEST_RECEIVED,
            dedupe_key="t:1",
            message=notifications.Outgoing(NotificationChannel.SMS, PHONE, "", "استلمنا طلبكم"),
        )
    assert sent
    delivery = SmsDelivery.objects.get(notification=Notification.objects.get(dedupe_key="t:1"))
    assert delivery.status == SmsStatus.SENT
    assert delivery.provider_id == str(gateway.state.accepted[0]["messageId"])
    assert delivery.recipient_masked == "+966•••••••67"
    gateway.inject(status=400, status_count=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        notifications.send_once(
            case=None,
            kind=NotificationKind.REQUEST_RECEIVED,
            dedupe_key="t:2",
            message=notifications.Outgoing(NotificationChannel.SMS, PHONE, "", "استلمنا طلبكم"),
        )
    refused = SmsDelivery.objects.get(notification__dedupe_key="t:2")
    assert refused.status == SmsStatus.REFUSED
    assert refused.attempts == 1


def test_no_log_line_carries_a_full_number_or_a_secret_link(
    gateway: GatewayStandin, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    secret_link = "https://jamoum.sila.example/t/Zk3secretTOKENvalue"
    caplog.set_level(logging.DEBUG)
    sms.get_backend().send(message(f"تابعوا طلبكم: {secret_link}"))
    gateway.inject(status=503, status_count=10)
    sms.get_backend().send(message(f"تابعوا طلبكم: {secret_link}"))
    settings.SILA_SMS_BACKEND = "casework.sms.ConsoleSmsBackend"
    sms.get_backend().send(message(f"تابعوا طلبكم: {secret_link} أو اتصلوا على 0551234567"))
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "SMS" in text  # the lines were written...
    for secret in (PHONE, "5512345", "Zk3secretTOKENvalue", TOKEN):
        assert secret not in text  # ...without the number, the link or the gateway's token


def test_mask_phone_keeps_only_the_ends() -> None:
    assert sms.mask_phone("+966551234567") == "+966•••••••67"
    assert sms.mask_text("رابط https://x.test/t/abc رقم 0551234567") == "رابط [link] رقم ••••••••67"


def test_secret_links_tokens_and_numbers_are_masked_in_every_log_line() -> None:
    from sila.log_filters import GunicornLogger, MaskSecretsFilter, mask_secrets

    line = "Not Found: /t/Zk3secretTOKENvalue_x and /r/AbCdEfGhIjKl from 0551234567 +966551234567 silap_abcdefghijk"
    masked = mask_secrets(line)
    for secret in ("Zk3secretTOKENvalue_x", "AbCdEfGhIjKl", "0551234567", "+966551234567", "abcdefghijk"):
        assert secret not in masked
    assert "/t/[secret]" in masked and "05•••••••67" in masked
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/t/Zk3secretTOKEN",), None
    )
    assert MaskSecretsFilter().filter(record)
    assert record.getMessage() == "Not Found: /t/[secret]"

    class Config:
        access_log_format = "%(r)s %(s)s"
        errorlog = "-"
        loglevel = "info"
        accesslog = None
        syslog = False
        capture_output = False
        logconfig = None
        logconfig_dict: dict[str, object] = {}
        logconfig_json = None
        disable_redirect_access_to_syslog = False
        user = 0
        group = 0
        umask = 0

    class Request:
        method, path, query, uri, version = "GET", "/r/AbCdEfGhIjKl", "", "/r/AbCdEfGhIjKl", (1, 1)
        headers: list[tuple[str, str]] = []

    class Response:
        status, sent, response_length = "200 OK", 10, 10
        headers: list[tuple[str, str]] = []

    atoms = GunicornLogger(Config()).atoms(
        Response(),
        Request(),
        {"REQUEST_METHOD": "GET", "RAW_URI": "/r/AbCdEfGhIjKl", "SERVER_PROTOCOL": "HTTP/1.1"},
        dt.timedelta(seconds=0.01),
    )
    assert "AbCdEfGhIjKl" not in atoms["r"] and "/r/[secret]" in atoms["r"]
