"""Messages about cases, by email (staff) and SMS (beneficiaries). Each is recorded once per event:
the row with its unique ``dedupe_key`` is written in the same transaction as the sending, so a job
that runs again after a crash finds it and sends nothing more. The stored copy keeps no link
token (``redact_links``): only the message sent carries it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.models import (
    BeneficiaryLink,
    LinkPurpose,
    Notification,
    NotificationChannel,
    SmsPurpose,
    SupportCase,
)
from casework.sms import SmsMessage, get_backend
from casework.sms_reports import delivery_record
from tenants.db import connection

LINK_LIFETIME = {LinkPurpose.TRACK: dt.timedelta(days=180), LinkPurpose.RATE: dt.timedelta(days=30)}


@dataclass(frozen=True)
class Outgoing:
    channel: str
    recipient: str
    subject: str
    body: str


# A follow (/t/) or rating (/r/) link's token opens the beneficiary's request to whoever holds it.
# The links table keeps only its hash; the stored copy of a message keeps no more than that.
_LINK_TOKEN = re.compile(r"(/[tr]/)[A-Za-z0-9_-]{8,}")


def redact_links(body: str) -> str:
    return _LINK_TOKEN.sub(r"\1…", body)


def send_once(*, case: SupportCase | None, kind: str, dedupe_key: str, message: Outgoing) -> bool:
    """Record ``message`` and send it once the record is committed, unless one with ``dedupe_key``
    was recorded before. Returns whether it was recorded now.

    Sending waits for the commit: a message never leaves for a change that then rolls back. If the
    gateway fails, the record is removed and the error raised, so the job's retry sends it again
    (at least once to the outside world, exactly once in our records). If the worker died in the
    middle of the send (the record committed, the gateway's answer never kept), the job's retry
    finds a text message without its delivery and sends it then."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                case=case,
                kind=kind,
                channel=message.channel,
                recipient=message.recipient,
                subject=message.subject,
                body=redact_links(message.body),
                dedupe_key=dedupe_key,
            )
            transaction.on_commit(lambda: _deliver(notification, message))
    except IntegrityError:
        # Recorded before, for this very event: sent, unless it is a text message the gateway's
        # answer was never kept for (its worker was killed mid-send, make chaos): send it now.
        interrupted = (
            Notification.objects.filter(dedupe_key=dedupe_key, channel=NotificationChannel.SMS)
            .exclude(deliveries__isnull=False)
            .first()
        )
        if interrupted is not None:
            transaction.on_commit(lambda: _deliver(interrupted, message))
        return False
    return True


def _deliver(notification: Notification, message: Outgoing) -> None:
    try:
        if message.channel == NotificationChannel.EMAIL:
            send_mail(message.subject, message.body, None, [message.recipient])
            return
        result = get_backend().send(SmsMessage(to=message.recipient, body=message.body, sender=sender_name()))
    except Exception:
        Notification.objects.filter(pk=notification.pk).delete()
        raise
    # What the gateway said is kept with the message (sent, refused or failed, its id); its
    # delivery report, when it comes, is recorded on the same row (casework.sms_reports).
    delivery_record(
        result=result, purpose=SmsPurpose.CASE_MESSAGE, phone=message.recipient, notification=notification
    )


def sender_name() -> str:
    tenant = getattr(connection, "tenant", None)
    return str(getattr(tenant, "name_ar", "") or "Sila")[:40]


def site_url(path: str) -> str:
    """An absolute URL on the current association's primary domain."""
    tenant = connection.tenant
    domain = tenant.get_primary_domain().domain if hasattr(tenant, "get_primary_domain") else ""
    scheme = getattr(settings, "SILA_PUBLIC_SCHEME", "https")
    port = getattr(settings, "SILA_PUBLIC_PORT", "")
    return f"{scheme}://{domain}{':' + str(port) if port else ''}{path}"


def link_create(*, case: SupportCase, purpose: str) -> str:
    """A new secret link for the beneficiary; returns its path (the token is shown only here)."""
    token = secrets.token_urlsafe(24)
    BeneficiaryLink.objects.create(
        case=case,
        purpose=purpose,
        token_sha256=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=timezone.now() + LINK_LIFETIME[LinkPurpose(purpose)],
    )
    return f"/{'r' if purpose == LinkPurpose.RATE else 't'}/{token}"


def link_lookup(*, token: str, purpose: str) -> BeneficiaryLink | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return (
        BeneficiaryLink.objects.select_related("case", "case__beneficiary")
        .filter(token_sha256=digest, purpose=purpose, expires_at__gt=timezone.now())
        .first()
    )
