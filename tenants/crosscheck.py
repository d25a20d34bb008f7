"""The shared register of the cross-association duplicate check, in the public schema.

An ID number is never stored or compared as such: only its HMAC-SHA-256 under
``SILA_CROSSCHECK_KEY`` (derived from the secret key when not set), which a list of every possible
ID cannot reverse without the key. Each function takes the association acting, and answers only
what the consents of the people concerned allow."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from tenants.models import Association, CrossCheckEntry


def _key() -> bytes:
    configured = getattr(settings, "SILA_CROSSCHECK_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"sila-crosscheck-v1", hashlib.sha256).digest()


def id_hmac(national_id: str) -> str:
    return hmac.new(_key(), national_id.encode(), hashlib.sha256).hexdigest()


def mark_put(*, association: Association, national_id: str, named: bool) -> None:
    CrossCheckEntry.objects.update_or_create(
        id_hmac=id_hmac(national_id),
        association=association,
        defaults={"named": named, "category_ar": association.sector_ar, "category_en": association.sector},
    )


def mark_remove(*, association: Association, national_id: str) -> int:
    deleted, _ = CrossCheckEntry.objects.filter(
        id_hmac=id_hmac(national_id), association=association
    ).delete()
    return deleted


@dataclass(frozen=True)
class ServedElsewhere:
    name_ar: str
    name_en: str
    category_ar: str
    category_en: str


@dataclass(frozen=True)
class CheckAnswer:
    others: int  # how many other associations serve this person (with their consent)
    named: tuple[ServedElsewhere, ...]  # those the person allowed to be named


def others_serving(*, association: Association, national_id: str) -> CheckAnswer:
    """What ``association`` may learn about the person with this ID: how many other associations
    registered them, and which (with the category) where the person consented to being named."""
    entries = list(
        CrossCheckEntry.objects.filter(id_hmac=id_hmac(national_id))
        .exclude(association=association)
        .exclude(association__status="archived")
        .select_related("association")
        .order_by("association__slug")
    )
    return CheckAnswer(
        others=len(entries),
        named=tuple(
            ServedElsewhere(
                name_ar=e.association.name_ar,
                name_en=e.association.name_en,
                category_ar=e.category_ar,
                category_en=e.category_en,
            )
            for e in entries
            if e.named
        ),
    )
