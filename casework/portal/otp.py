"""Signing in to the portal with a one-time code sent by SMS, and the short sessions that follow.

A code is 6 digits, valid 10 minutes, checked against an HMAC (the code is never stored), locked
after 5 wrong tries. Asking for one is limited per number and per client address, and answered
the same way whether the number belongs to anyone or not: the text goes out from a job, after
the commit, only to a number a beneficiary has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from casework.models import Beneficiary, OtpChallenge, PortalSession
from casework.validators import InvalidValue, phone_normalize
from core.errors import FieldProblem, ServiceError, invalid
from tenants.db import connection as db_connection

CODE_DIGITS = 6
CODE_LIFETIME = dt.timedelta(minutes=10)
MAX_WRONG_TRIES = 5
# Codes one number may ask for: a few in a quarter of an hour, a handful a day.
PHONE_LIMITS = ((dt.timedelta(minutes=15), 3), (dt.timedelta(hours=24), 10))
# Codes one client address may ask for, whatever the numbers (someone trying many numbers).
CLIENT_LIMITS = ((dt.timedelta(hours=1), 20),)
SESSION_LIFETIME = dt.timedelta(minutes=30)


def _mac(purpose: str, *parts: str) -> str:
    message = "\x1f".join((purpose, db_connection.schema_name, *parts)).encode("utf-8")
    return hmac.new(settings.SECRET_KEY.encode("utf-8"), message, hashlib.sha256).hexdigest()


def client_key(address: str) -> str:
    return _mac("otp-client", address or "unknown")


def code_for(challenge: OtpChallenge) -> str:
    """The code of a challenge, derived from its nonce and the server's secret (for the text only)."""
    number = int(_mac("otp-code", challenge.nonce), 16) % 10**CODE_DIGITS
    return str(number).zfill(CODE_DIGITS)


def _code_hmac(nonce: str, code: str) -> str:
    return _mac("otp-check", nonce, code)


def phone_or_error(value: str, *, field: str = "phone") -> str:
    try:
        return phone_normalize(value)
    except InvalidValue as exc:
        raise invalid([FieldProblem(field, exc.code, exc.message_ar, exc.message_en)]) from None


def _too_many(field: str) -> ServiceError:
    return ServiceError(
        "too_many_requests",
        "طلبت رموزًا كثيرة في وقت قصير. انتظر قليلًا ثم حاول مرة أخرى.",
        "Too many codes were asked for in a short time. Wait a while and try again.",
        429,
        [
            FieldProblem(
                field,
                "too_many_requests",
                "طلبت رموزًا كثيرة في وقت قصير. انتظر قليلًا ثم حاول مرة أخرى.",
                "Too many codes were asked for in a short time. Wait a while and try again.",
            )
        ],
    )


@transaction.atomic
def otp_request(*, phone: str, client_address: str) -> OtpChallenge:
    """Start a sign-in for ``phone``. The caller answers the same whatever this finds."""
    from casework.portal import tasks  # the job module imports this one

    number = phone_or_error(phone)
    client = client_key(client_address)
    # One request at a time per number, so that two at once cannot both pass the limits.
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"otp:{number}"])
    now = timezone.now()
    for window, limit in PHONE_LIMITS:
        if OtpChallenge.objects.filter(phone_e164=number, created_at__gt=now - window).count() >= limit:
            raise _too_many("phone")
    for window, limit in CLIENT_LIMITS:
        if OtpChallenge.objects.filter(client_key=client, created_at__gt=now - window).count() >= limit:
            raise _too_many("phone")
    known = Beneficiary.objects.filter(phone_e164=number, merged_into__isnull=True).exists()
    nonce = secrets.token_hex(16)
    challenge = OtpChallenge(
        phone_e164=number, nonce=nonce, client_key=client, known=known, expires_at=now + CODE_LIFETIME
    )
    challenge.code_hmac = _code_hmac(nonce, code_for(challenge))
    challenge.save()
    # An earlier code for the number stops working: only the latest one counts.
    OtpChallenge.objects.filter(phone_e164=number, used_at__isnull=True, locked_at__isnull=True).exclude(
        pk=challenge.pk
    ).update(locked_at=now)
    audit_record(actor=None, action="portal.code_requested", obj=challenge)
    tasks.defer_code_text(challenge)
    return challenge


def _wrong_code(locked: bool = False) -> ServiceError:
    if locked:
        ar = "أُدخل رمز خاطئ خمس مرات، فأُوقف هذا الرمز. اطلب رمزًا جديدًا."
        en = "A wrong code was entered five times, so this code no longer works. Ask for a new one."
        code = "code_locked"
    else:
        ar = "الرمز غير صحيح أو انتهت صلاحيته."
        en = "The code is wrong or has expired."
        code = "wrong_code"
    return ServiceError(code, ar, en, 400, [FieldProblem("code", code, ar, en)])


def otp_verify(*, phone: str, code: str) -> tuple[PortalSession, str]:
    """Check a code; on success a portal session and its token (shown only here).

    A wrong code counts against the challenge even though the request fails: the count is
    committed on its own, before the error is raised."""
    number = phone_or_error(phone)
    entered = "".join(ch for ch in (code or "") if ch.isdigit()).translate(
        str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
    )
    if len(entered) != CODE_DIGITS:
        raise invalid([FieldProblem("code", "invalid_code", "الرمز ستة أرقام.", "The code has six digits.")])
    now = timezone.now()
    locked = False
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.select_for_update()
            .filter(phone_e164=number, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if challenge is None or challenge.expires_at <= now:
            raise _wrong_code()
        if challenge.locked_at is not None:
            raise _wrong_code(locked=challenge.wrong_tries >= MAX_WRONG_TRIES)
        good = challenge.known and hmac.compare_digest(
            challenge.code_hmac, _code_hmac(challenge.nonce, entered)
        )
        if good:
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            token = "silap_" + secrets.token_urlsafe(32)
            session = PortalSession.objects.create(
                token_sha256=hashlib.sha256(token.encode()).hexdigest(),
                phone_e164=number,
                expires_at=now + SESSION_LIFETIME,
            )
            audit_record(actor=None, action="portal.signed_in", obj=session)
            return session, token
        challenge.wrong_tries += 1
        if challenge.wrong_tries >= MAX_WRONG_TRIES:
            challenge.locked_at = now
            locked = True
        challenge.save(update_fields=["wrong_tries", "locked_at"])
        audit_record(
            actor=None,
            action="portal.code_wrong",
            obj=challenge,
            changes={"wrong_tries": {"old": challenge.wrong_tries - 1, "new": challenge.wrong_tries}},
        )
    raise _wrong_code(locked=locked)


def session_for_token(token: str) -> PortalSession | None:
    if not token or not token.startswith("silap_"):
        return None
    return PortalSession.objects.filter(
        token_sha256=hashlib.sha256(token.encode()).hexdigest(),
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


@transaction.atomic
def session_end(*, session_id: int) -> None:
    PortalSession.objects.filter(pk=session_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(
        actor=None, action="portal.signed_out", object_type="casework.portalsession", object_id=session_id
    )
