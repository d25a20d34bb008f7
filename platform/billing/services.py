"""Billing writes. A paid plan is granted or removed only by ``subscription_sync``, which the webhook
calls with Stripe's current state of the subscription: the other functions ask Stripe for things
(a customer, a card, a subscription, a plan change) and wait for its word."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from billing import gateway
from billing.models import Invoice, Plan, Subscription, SubscriptionStatus
from core.errors import FieldProblem, ServiceError, invalid
from ops.models import StatusChange
from ops.services import association_status_change
from tenants.models import Association, AssociationStatus

logger = logging.getLogger(__name__)

PAYMENT_SUSPENSION_REASON = "payment"


def billing_off() -> ServiceError:
    return ServiceError(
        "billing_off",
        "الفوترة غير مفعّلة على هذه المنصة.",
        "Billing is not enabled on this platform.",
        409,
    )


def _free_plan() -> Plan:
    return Plan.objects.get(code="free")


@transaction.atomic
def subscription_ensure(*, association: Association, plan_code: str = "free") -> Subscription:
    """The association's subscription row, created on a free plan (no Stripe needed)."""
    existing = Subscription.objects.select_related("plan").filter(association=association).first()
    if existing is not None:
        return existing
    plan = Plan.objects.get(code=plan_code)
    if not plan.is_free:
        raise ValueError("only webhooks grant a paid plan")
    return Subscription.objects.create(association=association, plan=plan, status=SubscriptionStatus.FREE)


def plans_sync() -> None:
    """Make Stripe know every paid plan (idempotent)."""
    if not gateway.billing_enabled():
        raise billing_off()
    for plan in Plan.objects.filter(is_active=True, is_free=False):
        gateway.plan_ensure(
            plan_id=plan.stripe_plan_id,
            name=plan.name_en,
            amount=plan.monthly_price_halalas,
            currency=plan.currency,
        )


def customer_ensure(*, association: Association, email: str) -> Subscription:
    if not gateway.billing_enabled():
        raise billing_off()
    subscription = subscription_ensure(association=association)
    if not subscription.stripe_customer_id:
        customer = gateway.client().customers.create(
            params={
                "email": email,
                "name": association.name_en,
                "metadata": {"association": association.slug},
            }
        )
        Subscription.objects.filter(pk=subscription.pk).update(stripe_customer_id=customer.id)
        subscription.stripe_customer_id = customer.id
    return subscription


def card_set(*, association: Association, payment_method_id: str, actor: Any | None) -> None:
    """Make a card (a PaymentMethod collected by Stripe's own form) the one invoices are paid with."""
    subscription = subscription_ensure(association=association)
    if not subscription.stripe_customer_id:
        raise billing_off() if not gateway.billing_enabled() else ValueError("no Stripe customer yet")
    api = gateway.client()
    try:
        api.payment_methods.attach(payment_method_id, params={"customer": subscription.stripe_customer_id})
    except gateway.StripeError as exc:
        raise ServiceError(
            "card_declined",
            "رُفضت البطاقة؛ جرّب بطاقة أخرى.",
            "The card was declined; try another card.",
            402,
            [FieldProblem("card", "card_declined", "رُفضت البطاقة.", "The card was declined.")],
        ) from exc
    api.customers.update(
        subscription.stripe_customer_id,
        params={"invoice_settings": {"default_payment_method": payment_method_id}},
    )
    with transaction.atomic():
        audit_record(actor=actor, action="billing.card_set", obj=association)


def test_card_create(number: str) -> str:
    """A PaymentMethod from a test card number: only against the fake server (a real card's number
    never reaches Sila; Stripe's own form collects it)."""
    if not gateway.uses_fake_server():
        raise ValueError("card numbers are only accepted by the fake Stripe server")
    method = gateway.client().payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    return str(method.id)


def _paid_plan(code: str) -> Plan:
    """A paid plan, made known to Stripe if it is not yet (idempotent)."""
    plan = Plan.objects.filter(code=code, is_active=True, is_free=False).first()
    if plan is None:
        raise invalid([FieldProblem("plan", "invalid", "اختر خطة مدفوعة من القائمة.", "Choose a paid plan.")])
    if gateway.billing_enabled():
        gateway.plan_ensure(
            plan_id=plan.stripe_plan_id,
            name=plan.name_en,
            amount=plan.monthly_price_halalas,
            currency=plan.currency,
        )
    return plan


def subscription_start(*, association: Association, plan_code: str, actor: Any | None) -> str:
    """Ask Stripe for a subscription, paid with the customer's card. Returns its Stripe id; the plan
    changes when Stripe's webhook says the subscription is active."""
    plan = _paid_plan(plan_code)
    subscription = subscription_ensure(association=association)
    if not subscription.stripe_customer_id:
        raise billing_off() if not gateway.billing_enabled() else ValueError("add a card first")
    if subscription.stripe_subscription_id and subscription.status in (
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
    ):
        return subscription_plan_change(association=association, plan_code=plan_code, actor=actor)
    try:
        created = gateway.client().subscriptions.create(
            params={
                "customer": subscription.stripe_customer_id,
                "items": [{"plan": plan.stripe_plan_id, "quantity": 1}],
                "metadata": {"association": association.slug},
            }
        )
    except gateway.StripeError as exc:
        raise ServiceError(
            "payment_failed", "تعذّر الدفع بالبطاقة.", "The card could not be charged.", 402
        ) from exc
    Subscription.objects.filter(pk=subscription.pk).update(stripe_subscription_id=created.id)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="billing.subscription_requested",
            obj=association,
            changes={"plan": {"old": subscription.plan.code, "new": plan.code}},
        )
    return str(created.id)


def subscription_plan_change(*, association: Association, plan_code: str, actor: Any | None) -> str:
    plan = _paid_plan(plan_code)
    subscription = subscription_ensure(association=association)
    api = gateway.client()
    current = api.subscriptions.retrieve(subscription.stripe_subscription_id)
    item = current["items"]["data"][0]
    api.subscriptions.update(
        subscription.stripe_subscription_id,
        params={"items": [{"id": item["id"], "plan": plan.stripe_plan_id, "quantity": 1}]},
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="billing.plan_change_requested",
            obj=association,
            changes={"plan": {"old": subscription.plan.code, "new": plan.code}},
        )
    return str(subscription.stripe_subscription_id)


def invoice_bill_now(*, association: Association) -> str:
    """Invoice the subscription's current period now and charge the card (what a renewal does;
    the demo and the tests use it to show a payment failing and recovering)."""
    subscription = subscription_ensure(association=association)
    api = gateway.client()
    invoice = api.invoices.create(
        params={
            "customer": subscription.stripe_customer_id,
            "subscription": subscription.stripe_subscription_id,
        }
    )
    try:
        api.invoices.pay(invoice.id)
    except gateway.StripeError:
        logger.info("invoice %s for %s was not paid", invoice.id, association.slug)
    return str(invoice.id)


def invoices_retry(*, association: Association, actor: Any | None) -> int:
    """Pay the open invoices again with the current card (after the card was replaced)."""
    subscription = subscription_ensure(association=association)
    api = gateway.client()
    paid = 0
    listing = api.invoices.list(params={"customer": subscription.stripe_customer_id, "limit": 20})
    for invoice in listing.data:
        if invoice.status == "open":
            try:
                api.invoices.pay(invoice.id)
                paid += 1
            except gateway.StripeError:
                logger.info("retrying invoice %s failed", invoice.id)
    with transaction.atomic():
        audit_record(actor=actor, action="billing.invoices_retried", obj=association)
    return paid


def checkout_session_create(
    *, association: Association, plan_code: str, success_url: str, cancel_url: str
) -> str:
    """Production's way to subscribe: Stripe Checkout collects the card; returns the page's URL.

    (The fake server has no Checkout; tests replay recorded Stripe responses.)"""
    plan = _paid_plan(plan_code)
    subscription = subscription_ensure(association=association)
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": plan.stripe_plan_id, "quantity": 1}],
        "client_reference_id": association.slug,
        "subscription_data": {"metadata": {"association": association.slug}},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if subscription.stripe_customer_id:
        params["customer"] = subscription.stripe_customer_id
    session = gateway.client().checkout.sessions.create(params=params)
    return str(session.url)


# --- what Stripe says ------------------------------------------------------------------------


def _ts(value: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(value or 0), tz=dt.UTC)


def invoice_record(*, subscription: Subscription, invoice: Any) -> None:
    Invoice.objects.update_or_create(
        stripe_id=invoice["id"],
        defaults={
            "subscription": subscription,
            "status": invoice.get("status") or "",
            "amount_due": int(invoice.get("amount_due") or 0),
            "amount_paid": int(invoice.get("amount_paid") or 0),
            "currency": invoice.get("currency") or "sar",
            "hosted_url": invoice.get("hosted_invoice_url") or "",
            "created": _ts(invoice.get("created")),
        },
    )


def _plan_of(stripe_subscription: Any) -> Plan | None:
    try:
        plan_id = stripe_subscription["items"]["data"][0]["plan"]["id"]
    except (KeyError, IndexError, TypeError):
        return None
    for plan in Plan.objects.filter(is_free=False):
        if plan.stripe_plan_id == plan_id:
            return plan
    return None


def _payment_suspended(association: Association) -> bool:
    last = StatusChange.objects.filter(association=association).first()
    return (
        association.status == AssociationStatus.SUSPENDED
        and last is not None
        and last.reason == PAYMENT_SUSPENSION_REASON
    )


@transaction.atomic
def subscription_sync(*, subscription: Subscription, stripe_subscription: Any | None) -> Subscription:
    """Make the association's plan follow Stripe's *current* state of its subscription (None: it
    no longer exists). Safe to call any number of times, for events in any order."""
    # Lock the row alone: with a join, PostgreSQL re-checks a concurrently updated row against the
    # joined rows it read first, and a plan changed by a concurrent event would hide the row.
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    association = subscription.association
    before = (subscription.plan.code, subscription.status)
    stripe_status = (
        (stripe_subscription or {}).get("status", "canceled") if stripe_subscription else "canceled"
    )
    now = timezone.now()
    if stripe_subscription is not None:
        subscription.stripe_subscription_id = stripe_subscription["id"]
    subscription.stripe_status = stripe_status
    if stripe_status in ("active", "trialing"):
        plan = _plan_of(stripe_subscription)
        if plan is not None:
            subscription.plan = plan
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.grace_until = None
        if _payment_suspended(association):
            association_status_change(
                association=association,
                new_status=AssociationStatus.ACTIVE,
                reason="payment received",
                actor=None,
            )
    elif stripe_status in ("past_due", "unpaid", "incomplete"):
        if subscription.grace_until is None:
            subscription.grace_until = now + dt.timedelta(days=settings.SILA_BILLING_GRACE_DAYS)
        subscription.status = SubscriptionStatus.PAST_DUE
        if subscription.grace_until <= now:
            _suspend_for_payment(subscription)
    else:  # canceled, incomplete_expired: back to the free plan, nothing deleted
        subscription.plan = _free_plan()
        subscription.status = SubscriptionStatus.CANCELED
        subscription.grace_until = None
    subscription.save()
    after = (subscription.plan.code, subscription.status)
    if before != after:
        audit_record(
            actor=None,
            action="billing.subscription_synced",
            obj=association,
            changes={
                "plan": {"old": before[0], "new": after[0]},
                "status": {"old": before[1], "new": after[1]},
                "stripe_status": {"old": None, "new": stripe_status},
            },
        )
    return subscription


def _suspend_for_payment(subscription: Subscription) -> None:
    """The grace period is over: suspend (staff can still read; nothing is deleted)."""
    subscription.status = SubscriptionStatus.SUSPENDED
    association = subscription.association
    if association.status == AssociationStatus.ACTIVE:
        association_status_change(
            association=association,
            new_status=AssociationStatus.SUSPENDED,
            reason=PAYMENT_SUSPENSION_REASON,
            actor=None,
        )


@transaction.atomic
def grace_periods_enforce() -> int:
    """Suspend every association whose grace period ended unpaid. Returns how many."""
    due = Subscription.objects.select_for_update().filter(
        status=SubscriptionStatus.PAST_DUE, grace_until__lte=timezone.now()
    )
    count = 0
    for subscription in due:
        _suspend_for_payment(subscription)
        subscription.save(update_fields=["status", "updated_at"])
        count += 1
    return count
