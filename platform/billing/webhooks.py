"""POST /billing/stripe/webhook/: Stripe's word on subscriptions and invoices.

Signature-checked (400 for a missing, bad or stale signature), recorded once per event id (a
replay answers 200 and does nothing), and order-safe: the event only says *which* subscription
changed; its current state is read back from Stripe and applied."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import gateway, services
from billing.models import StripeEvent, Subscription
from ops.models import IncidentKind
from ops.services import incident_record
from tenants.models import Association

logger = logging.getLogger(__name__)

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
}
INVOICE_EVENTS = {
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.updated",
    "invoice.voided",
}
CHECKOUT_EVENTS = {"checkout.session.completed"}
HANDLED = SUBSCRIPTION_EVENTS | INVOICE_EVENTS | CHECKOUT_EVENTS


def _error(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _subscription_row(*, stripe_subscription_id: str, customer_id: str, slug: str) -> Subscription | None:
    row = None
    if stripe_subscription_id:
        row = Subscription.objects.filter(stripe_subscription_id=stripe_subscription_id).first()
    if row is None and slug:
        association = Association.objects.filter(slug=slug).first()
        if association is not None:
            row = services.subscription_ensure(association=association)
    if row is None and customer_id:
        row = Subscription.objects.filter(stripe_customer_id=customer_id).first()
    return row


def _current_subscription(stripe_subscription_id: str) -> Any | None:
    try:
        return gateway.client().subscriptions.retrieve(stripe_subscription_id).to_dict()
    except gateway.StripeError as exc:
        if gateway.is_missing(exc):
            return None
        raise


def event_apply(event: Any) -> tuple[str, str]:
    """Apply one verified event; returns (outcome, association slug)."""
    kind = event["type"]
    obj = event["data"]["object"]
    if kind not in HANDLED:
        return "ignored", ""
    sub_id = obj["id"] if kind in SUBSCRIPTION_EVENTS else obj.get("subscription") or ""
    customer_id = obj.get("customer") or ""
    slug = (obj.get("metadata") or {}).get("association", "") or obj.get("client_reference_id") or ""
    if not sub_id:
        return "ignored", slug
    current = _current_subscription(sub_id)
    if current is not None and not slug:
        slug = (current.get("metadata") or {}).get("association", "")
    row = _subscription_row(stripe_subscription_id=sub_id, customer_id=customer_id, slug=slug)
    if row is None:
        return "ignored", slug
    if customer_id and not row.stripe_customer_id:
        Subscription.objects.filter(pk=row.pk).update(stripe_customer_id=customer_id)
    row = services.subscription_sync(subscription=row, stripe_subscription=current)
    if kind in INVOICE_EVENTS:
        invoice = gateway.client().invoices.retrieve(obj["id"]).to_dict()
        services.invoice_record(subscription=row, invoice=invoice)
    return "handled", row.association.slug


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if not gateway.billing_enabled() or not settings.STRIPE_WEBHOOK_SECRET:
        return _error("billing_off", "Billing is not enabled on this platform.", 404)
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return _error("signature_missing", "The Stripe-Signature header is missing.", 400)
    try:
        event = gateway.construct_event(request.body, signature)
    except gateway.SignatureVerificationError as exc:
        stale = "tolerance" in str(exc).lower()
        return _error(
            "signature_stale" if stale else "signature_invalid",
            "The signature's timestamp is too old." if stale else "The signature does not match.",
            400,
        )
    except ValueError:
        return _error("payload_invalid", "The body is not a Stripe event.", 400)
    event_id = str(event["id"])
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = StripeEvent.objects.create(
                        event_id=event_id,
                        type=str(event["type"]),
                        object_id=str(event["data"]["object"].get("id", "")),
                        outcome="received",
                    )
            except IntegrityError:
                return JsonResponse({"received": True, "duplicate": True})
            outcome, slug = event_apply(event)
            record.outcome = outcome
            record.association_slug = slug
            record.save(update_fields=["outcome", "association_slug"])
    except Exception as exc:
        logger.exception("webhook %s failed", event_id)
        incident_record(
            kind=IncidentKind.WEBHOOK,
            summary=f"Stripe event {event['type']} could not be applied: {type(exc).__name__}",
            reference=event_id,
            error=exc,
        )
        # Stripe retries a 5xx: the event was not recorded, so the retry applies it.
        return _error("webhook_failed", "The event could not be applied; it will be retried.", 500)
    return JsonResponse({"received": True, "outcome": outcome})
