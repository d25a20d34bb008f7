"""The research committee's settings."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import (
    CommitteeSettings,
)
from casework.services._base import (
    field_problem,
    require_role,
)
from core.errors import invalid


@transaction.atomic
def committee_quorum_set(*, actor: User | None, quorum: int | None) -> CommitteeSettings:
    """Set how many votes the research committee needs (None: a majority of active members)."""
    require_role(actor, (roles.ADMIN,))
    if quorum is not None and quorum < 1:
        raise invalid(
            [field_problem("quorum", "invalid", "النصاب صوت واحد على الأقل.", "At least one vote.")]
        )
    settings, _ = CommitteeSettings.objects.select_for_update().get_or_create(pk=1)
    old = settings.quorum
    settings.quorum = quorum
    settings.save()
    audit_record(
        actor=actor,
        action="committee.quorum_set",
        obj=settings,
        changes={"quorum": {"old": old, "new": quorum}},
    )
    return settings
