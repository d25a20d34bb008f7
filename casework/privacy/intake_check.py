"""The cross-association check made as part of an employee's own intake (ADR 0019, item 7).

When staff open a request for a person, or register one, and the person's consent to the check
stands at this association, the check runs as that employee once the intake is saved: the same
call as "Check now" (``crosscheck.beneficiary_cross_check``), so it is logged in the access log and
the audit trail and counts toward the employee's hourly limit. It never undoes or fails the
intake: past the limit, or if the check cannot be made, the intake stands and the answer says
the check was not made and why. A person who did not consent is not checked (and nothing is
logged). The answer comes from the public register only; no other association's schema is read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from casework.privacy import crosscheck
from casework.privacy.models import Consent, ConsentKind
from core.errors import ServiceError
from tenants.crosscheck import CheckAnswer

logger = logging.getLogger(__name__)

# Why a check was not made, as the API reports it (the screens say it in words).
NOT_CONSENTED = "not_consented"
LIMIT_REACHED = "limit_reached"
UNAVAILABLE = "unavailable"
NOT_CHECKED_REASONS = (NOT_CONSENTED, LIMIT_REACHED, UNAVAILABLE)


@dataclass(frozen=True)
class IntakeCheck:
    checked: bool
    not_checked_reason: str | None = None
    answer: CheckAnswer | None = None


def intake_cross_check(*, actor: User, beneficiary_id: int, via: str) -> IntakeCheck:
    """Check the person with the other associations as ``actor``, after their intake is saved,
    where the person consented to the check here. Never raises for the check's own sake."""
    consented = Consent.objects.filter(
        beneficiary_id=beneficiary_id, kind=ConsentKind.CROSS_CHECK, withdrawn_at__isnull=True
    ).exists()
    if not consented:
        return IntakeCheck(checked=False, not_checked_reason=NOT_CONSENTED)
    try:
        # A savepoint: a database failure inside the check leaves the caller's transaction (the
        # API's idempotency record around the intake) usable. A refusal is caught inside it, so
        # the refusal's own audit row is kept, as for a manual check.
        with transaction.atomic():
            try:
                answer = crosscheck.beneficiary_cross_check(
                    actor=actor, beneficiary_id=beneficiary_id, via=via
                )
            except ServiceError as exc:
                if exc.code != "too_many_checks":
                    logger.warning("intake cross-check refused: %s", exc.code)
                return IntakeCheck(
                    checked=False,
                    not_checked_reason=LIMIT_REACHED if exc.code == "too_many_checks" else UNAVAILABLE,
                )
    except DatabaseError:
        logger.exception("intake cross-check failed; the intake stands")
        return IntakeCheck(checked=False, not_checked_reason=UNAVAILABLE)
    return IntakeCheck(checked=True, answer=answer)


# --- What staff are told (the screens' notice and the API's ``served_elsewhere``) ----------------


def _arabic() -> bool:
    return (get_language() or "ar").startswith("ar")


def _named_text(answer: CheckAnswer) -> str:
    arabic = _arabic()
    parts = []
    for other in answer.named:
        name, category = (other.name_ar, other.category_ar) if arabic else (other.name_en, other.category_en)
        parts.append(f"{name} ({category})" if category else name)
    return ("، " if arabic else ", ").join(parts)


def served_elsewhere_message(check: IntakeCheck) -> str:
    """The answer in the reader's language (the active one); empty when there is nothing to say
    (the person did not consent, so no check was due)."""
    if check.not_checked_reason == NOT_CONSENTED:
        return ""
    if check.not_checked_reason == LIMIT_REACHED:
        return _(
            "The check with other associations was not made: you reached your limit of checks for "
            "this hour. The record is saved; check later from the person's consents page."
        )
    if check.answer is None:
        return _(
            "The check with other associations could not be made now. The record is saved; check "
            "later from the person's consents page."
        )
    answer = check.answer
    if answer.others == 0:
        return _(
            "Checked with other associations: no other association has registered this person "
            "(with their consent)."
        )
    served = ngettext(
        "Also served by %(n)s other association.",
        "Also served by %(n)s other associations.",
        answer.others,
    ) % {"n": answer.others}
    if not answer.named:
        return served + " " + _("Names are not shown: the person did not consent to that.")
    if len(answer.named) == answer.others:
        return (
            served + " " + _("Named with the person's consent: %(names)s.") % {"names": _named_text(answer)}
        )
    return (
        served
        + " "
        + _("Named with the person's consent: %(names)s; the others are not named.")
        % {"names": _named_text(answer)}
    )


def served_elsewhere_payload(check: IntakeCheck) -> dict[str, Any]:
    """The API's ``served_elsewhere``: whether the check was made (else why not), how many other
    associations serve the person and which the person allowed to be named. Nothing of another
    association's record."""
    answer = check.answer
    return {
        "checked": check.checked,
        "not_checked_reason": check.not_checked_reason,
        "others": answer.others if answer is not None else None,
        "named": [
            {
                "association_ar": n.name_ar,
                "association_en": n.name_en,
                "category_ar": n.category_ar,
                "category_en": n.category_en,
            }
            for n in (answer.named if answer is not None else ())
        ],
        "message": served_elsewhere_message(check),
    }
