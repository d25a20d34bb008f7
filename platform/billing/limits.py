"""Plan limits, checked before the limit is passed: a new staff member past the plan's seats, or a
new open case past its allowance, is refused with HTTP 402 and the code ``plan_limit``.

A pending invitation holds a seat: inviting one more person than the seats left is refused when
the admin invites (not when the invitee accepts), and so is switching a former colleague's account
back on past the seats.

Associations without a subscription row (provisioned by hand, the founding five) have no limits."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import Invitation, User
from billing.models import Subscription
from casework.models import CaseStatus, SupportCase
from core.errors import ServiceError
from tenants.db import connection


def _subscription() -> Subscription | None:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "pk", None) is None:
        return None
    return Subscription.objects.select_related("plan").filter(association_id=tenant.pk).first()


def plan_limit(what_ar: str, what_en: str, limit: int, plan: Any) -> ServiceError:
    return ServiceError(
        "plan_limit",
        f"بلغت جمعيتك حد خطة «{plan.name_ar}»: {limit} {what_ar}. رقِّ الخطة لإضافة المزيد.",
        f"Your association has reached its {plan.name_en} plan's limit of {limit} {what_en}. "
        "Upgrade the plan to add more.",
        402,
        extra={"limit": limit, "plan": plan.code},
    )


def _pending_invitations() -> int:
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()


def staff_seat_check(*, count_invitations: bool = False) -> None:
    """Raise if one more staff member would pass the current association's plan (pending
    invitations count as taken seats when ``count_invitations``)."""
    subscription = _subscription()
    if subscription is None or subscription.plan.max_staff is None:
        return
    limit = subscription.plan.max_staff
    taken = User.objects.filter(is_active=True, is_staff=True).count()
    if count_invitations:
        taken += _pending_invitations()
    if taken >= limit:
        raise plan_limit("من الموظفين", "staff members", limit, subscription.plan)


def open_case_check() -> None:
    subscription = _subscription()
    if subscription is None or subscription.plan.max_open_cases is None:
        return
    limit = subscription.plan.max_open_cases
    if SupportCase.objects.filter(status=CaseStatus.OPEN).count() >= limit:
        raise plan_limit("من الطلبات المفتوحة", "open requests", limit, subscription.plan)


@receiver(pre_save, sender=User, dispatch_uid="billing.staff_seat_check")
def _on_new_staff(sender: type[User], instance: User, **kwargs: Any) -> None:
    if not instance.is_staff or connection.schema_name in ("public", ""):
        return
    if instance._state.adding:
        # The invitation being accepted held this seat (checked when it was sent).
        staff_seat_check()
        return
    update_fields = kwargs.get("update_fields")
    if instance.is_active and (update_fields is None or "is_active" in update_fields):
        was_active = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
        if was_active is False:  # switched back on
            staff_seat_check(count_invitations=True)


@receiver(pre_save, sender=Invitation, dispatch_uid="billing.invitation_seat_check")
def _on_new_invitation(sender: type[Invitation], instance: Invitation, **kwargs: Any) -> None:
    if instance._state.adding and connection.schema_name not in ("public", ""):
        staff_seat_check(count_invitations=True)


@receiver(pre_save, sender=SupportCase, dispatch_uid="billing.open_case_check")
def _on_new_case(sender: type[SupportCase], instance: SupportCase, **kwargs: Any) -> None:
    if instance._state.adding:
        open_case_check()
