"""How many sign-ups one client address, and one email, may start: counted in the database.

Each sign-up row keeps a keyed hash of the address it came from (never the address itself), so the
counts hold across processes and restarts without a shared cache, and are exact: requests for one
address or one email are serialised by an advisory lock for the rest of their transaction. The
windows are settings (``SILA_SIGNUP_LIMITS_PER_ADDRESS`` and ``..._PER_EMAIL``, "count/seconds"
pairs). Past a limit the sign-up is refused with 429 and the seconds until one is allowed again.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.errors import FieldProblem, ServiceError
from signup.models import Signup

ADDRESS_MESSAGE = (
    "بدأت تسجيلات كثيرة من هذا الجهاز أو الشبكة في وقت قصير. حاول مرة أخرى بعد {ar}.",
    "Too many sign-ups were started from this device or network in a short time. Try again in {en}.",
)
EMAIL_MESSAGE = (
    "بدأت تسجيلات كثيرة بهذا البريد في وقت قصير. حاول مرة أخرى بعد {ar}.",
    "Too many sign-ups were started with this email in a short time. Try again in {en}.",
)


def parse_limits(value: str) -> list[tuple[int, timedelta]]:
    """ "5/3600,20/86400" -> [(5, 1 hour), (20, 1 day)]."""
    limits = []
    for part in value.split(","):
        count, _, seconds = part.strip().partition("/")
        limits.append((int(count), timedelta(seconds=int(seconds))))
    return limits


def client_address(request: HttpRequest) -> str:
    """The client's address as allauth reads it (X-Forwarded-For when ALLAUTH_TRUSTED_PROXY_COUNT
    says how many proxies to trust, else the connection's)."""
    try:
        return get_adapter().get_client_ip(request)
    except PermissionDenied:
        return ""


def client_key(address: str) -> str:
    """A keyed hash of the client's address: comparable, not reversible without the secret key."""
    message = f"signup-client\x1f{address or 'unknown'}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _arabic_count(n: int, one: str, two: str, few: str, many: str) -> str:
    if n == 1:
        return one
    if n == 2:
        return two
    return f"{n} {few if 3 <= n % 100 <= 10 else many}"


def wait_words(seconds: int) -> tuple[str, str]:
    """How long to wait, in words (Arabic, English): minutes under an hour, else hours."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        return (
            _arabic_count(minutes, "دقيقة واحدة", "دقيقتين", "دقائق", "دقيقة"),
            "1 minute" if minutes == 1 else f"{minutes} minutes",
        )
    hours = math.ceil(minutes / 60)
    return (
        _arabic_count(hours, "ساعة واحدة", "ساعتين", "ساعات", "ساعة"),
        "1 hour" if hours == 1 else f"{hours} hours",
    )


def _check(
    rows: QuerySet[Signup], limits: list[tuple[int, timedelta]], field: str | None, texts: tuple[str, str]
) -> None:
    now = timezone.now()
    for count, window in limits:
        recent = list(
            rows.filter(created_at__gt=now - window)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:count]
        )
        if len(recent) >= count:
            # Allowed again when the oldest of the last `count` leaves the window.
            retry_after = max(1, math.ceil((recent[-1] + window - now).total_seconds()))
            ar_wait, en_wait = wait_words(retry_after)
            ar, en = texts[0].format(ar=ar_wait), texts[1].format(en=en_wait)
            raise ServiceError(
                "too_many_signups",
                ar,
                en,
                429,
                [FieldProblem(field, "too_many_signups", ar, en)] if field else [],
                extra={"retry_after": retry_after},
            )


def _lock(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def check_address(key: str) -> None:
    """Refuse (429) a sign-up from an address past its limits; call inside the creating transaction."""
    _lock(f"signup-client:{key}")
    _check(
        Signup.objects.filter(client_key=key),
        parse_limits(settings.SILA_SIGNUP_LIMITS_PER_ADDRESS),
        None,
        ADDRESS_MESSAGE,
    )


def check_email(email: str) -> None:
    """Refuse (429) a sign-up for an email past its limits (whatever became of the earlier ones)."""
    _lock(f"signup-email:{email.lower()}")
    _check(
        Signup.objects.filter(admin_email__iexact=email),
        parse_limits(settings.SILA_SIGNUP_LIMITS_PER_EMAIL),
        "admin_email",
        EMAIL_MESSAGE,
    )
