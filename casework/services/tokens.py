"""Personal API tokens: created once in plaintext, stored as a SHA-256 digest."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import (
    ApiToken,
)
from casework.services._base import (
    required_problem,
)
from core.errors import invalid, not_found

# --- personal API tokens ------------------------------------------------------------------------

TOKEN_PREFIX = "sila"  # noqa: S105 - a label, not a secret


def _token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token for ``user``; the plaintext is returned once and never stored."""
    name = " ".join((name or "").split())
    if not name:
        raise invalid([required_problem("name")])
    prefix = secrets.token_hex(4)
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=prefix, token_sha256=_token_digest(plaintext)
    )
    audit_record(
        actor=user, action="api_token.created", obj=token, changes={"name": {"old": None, "new": token.name}}
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (token.user_id != actor.pk and not roles.has_any(actor, (roles.ADMIN,))):
        raise not_found("لا يوجد مفتاح بهذا الرقم.", "No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoked", obj=token)
    return token


def api_token_authenticate(plaintext: str) -> ApiToken | None:
    """The live token ``plaintext`` names in this schema, with its user; None otherwise."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1]:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.token_sha256, _token_digest(plaintext)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a busy client should not write on every request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
