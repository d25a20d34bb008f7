from __future__ import annotations

import uuid
from typing import Any

from signup.models import Signup, SignupStatus
from tenants.models import Association


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


def next_steps(*, association: Association) -> list[dict[str, Any]]:
    """The new association's checklist, read from its own schema (the connection's tenant): each
    item links to the page where it is done, and is ticked by what that page leaves behind."""
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from accounts.models import Invitation, User
    from billing import gateway
    from billing.selectors import subscription_of
    from policy_engine.models import BoardMember, PolicyStatus, PolicyVersion
    from themes.services import theme_for

    draft = PolicyVersion.objects.filter(status=PolicyStatus.DRAFT).order_by("-number").first()
    moved_on = PolicyVersion.objects.exclude(status=PolicyStatus.DRAFT).exists()
    in_force = PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).exists()
    latest = draft or PolicyVersion.objects.order_by("-number").first()
    team = (
        User.objects.filter(is_active=True).count() > 1
        or Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).exists()
    )
    items: list[dict[str, Any]] = [
        {
            # Edited at least once (a draft starts at revision 1), or already sent to the board.
            "done": moved_on or (draft is not None and draft.revision > 1),
            "title": _("Adapt your draft policy"),
            "text": _("Your starting policy is a draft: nothing is in force until your board approves it.")
            if draft is not None or moved_on
            else _("Start your policy from a founding association's policy or a blank page."),
            "href": reverse("policy-staff-edit", args=[draft.number])
            if draft is not None
            else reverse("policy-staff-list"),
        },
        {
            "done": BoardMember.objects.filter(is_active=True).exists(),
            "title": _("Add your board members"),
            "text": _("They vote on the policy and sign it."),
            "href": reverse("policy-staff-board"),
        },
        {
            "done": team,
            "title": _("Invite your staff"),
            "text": _("Reception, social research, the committee and the administration."),
            "href": reverse("team"),
        },
        {
            "done": theme_for(association.schema_name).revision > 0,
            "title": _("Choose your site's look"),
            "text": _("Your logo and colours on your public pages."),
            "href": reverse("staff-theme"),
        },
    ]
    if gateway.billing_enabled():
        subscription = subscription_of(association)
        items.append(
            {
                "done": subscription is not None and not subscription.plan.is_free,
                "title": _("Review your plan"),
                "text": _("You start on the free plan; a paid plan adds staff seats and open requests."),
                "href": reverse("billing-page"),
            }
        )
    items.append(
        {
            "done": in_force,
            "title": _("Have the board approve the policy"),
            "text": _("Once approved, it is published and requests can be received."),
            "href": reverse("policy-staff-detail", args=[latest.number])
            if latest is not None
            else reverse("policy-staff-list"),
        }
    )
    return items
