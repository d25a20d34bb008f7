from __future__ import annotations

import uuid
from typing import Any

from signup.models import Signup, SignupStatus


def signup_get(signup_id: str | uuid.UUID) -> Signup | None:
    try:
        key = uuid.UUID(str(signup_id))
    except ValueError:
        return None
    return Signup.objects.filter(pk=key).first()


def signup_state(signup: Signup) -> dict[str, Any]:
    from signup.services import association_url

    return {
        "id": str(signup.pk),
        "status": signup.status,
        "slug": signup.slug,
        "step": signup.step,
        "progress": signup.progress,
        "url": association_url(signup.slug) if signup.status == SignupStatus.ACTIVE else None,
        "error_code": signup.error_code,
        "created_at": signup.created_at.isoformat(),
    }


def next_steps() -> list[dict[str, Any]]:
    """The new association's checklist, read from its own schema (the connection's tenant)."""
    from django.utils.translation import gettext as _

    from accounts.models import User
    from policy_engine.models import BoardMember, PolicyStatus, PolicyVersion

    has_draft = PolicyVersion.objects.exists()
    in_force = PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).exists()
    return [
        {
            "done": has_draft,
            "title": _("Your starting policy is a draft"),
            "text": _("Adapt it to your association: nothing is in force until your board approves it."),
            "href": "/staff/policy/",
        },
        {
            "done": BoardMember.objects.exists(),
            "title": _("Add your board members"),
            "text": _("They vote on the policy and sign it."),
            "href": "/staff/policy/board/",
        },
        {
            "done": User.objects.filter(is_active=True).count() > 1,
            "title": _("Invite your staff"),
            "text": _("Reception, social research, the committee and the administration."),
            "href": "/staff/",
        },
        {
            "done": False,
            "title": _("Choose your site's look"),
            "text": _("Your logo and colours on your public pages."),
            "href": "/",
        },
        {
            "done": False,
            "title": _("Review your plan"),
            "text": _("You start on the free plan; a paid plan adds staff seats and open requests."),
            "href": "/staff/billing/",
        },
        {
            "done": in_force,
            "title": _("Have the board approve the policy"),
            "text": _("Once approved, it is published and requests can be received."),
            "href": "/staff/policy/",
        },
    ]
