"""Messages to people with an account: by email, in each recipient's language, once per event,
after the transaction that caused them commits (a rolled-back change sends nothing)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction

from accounts.models import SentMessage, User

logger = logging.getLogger(__name__)


def site_url(path: str) -> str:
    """An absolute URL on the current association's primary domain."""
    tenant = connection.tenant  # type: ignore[attr-defined]
    domain = tenant.get_primary_domain().domain if hasattr(tenant, "get_primary_domain") else "localhost"
    port = getattr(settings, "SILA_PUBLIC_PORT", "")
    return f"{settings.SILA_PUBLIC_SCHEME}://{domain}{':' + str(port) if port else ''}{path}"


def message_once(
    *, key: str, recipients: Iterable[User], subject: dict[str, str], body: dict[str, str]
) -> bool:
    """Claim ``key`` in the caller's transaction; after commit, email each active recipient in
    their preferred language (``subject``/``body`` hold "ar" and "en"). False if already sent."""
    try:
        with transaction.atomic():
            SentMessage.objects.create(key=key[:200])
    except IntegrityError:
        return False
    letters = [
        (
            user.email,
            subject.get(user.preferred_language, subject["ar"]),
            body.get(user.preferred_language, body["ar"]),
        )
        for user in recipients
        if user.is_active and user.email
    ]

    def send() -> None:
        for email, title, text in letters:
            try:
                send_mail(title, text, None, [email])
            except Exception:  # one bad address must not stop the others; no address is logged
                logger.exception("message %s could not be sent to one recipient", key)

    transaction.on_commit(send)
    return True
