"""The one place that talks to Stripe, through the real ``stripe`` library.

In development and tests ``STRIPE_API_BASE`` points the library at localstripe, a stateful fake
Stripe server. Its gaps, worked around here and nowhere else:
- it speaks the plan-based subscription API (``items: [{"plan": ...}]``), which Stripe still
  accepts: a plan id doubles as a price id, so production's Checkout uses the same ids;
- it has no Checkout sessions (production's path, tested with recorded responses instead);
- it has no invoice finalisation endpoint: its invoices are finalised when created.
"""

from __future__ import annotations

from typing import Any

import stripe
from django.conf import settings

PRODUCT_ID = "sila_platform"

#: A stripe HTTPClient to use instead of the network (tests replay recorded Stripe responses).
http_client_override: Any = None


def billing_enabled() -> bool:
    return bool(getattr(settings, "STRIPE_SECRET_KEY", ""))


def uses_fake_server() -> bool:
    return bool(getattr(settings, "STRIPE_API_BASE", ""))


def client() -> Any:
    """The v1 services of a StripeClient (``client().subscriptions.retrieve(...)``)."""
    options: dict[str, Any] = {"max_network_retries": 1}
    if uses_fake_server():
        options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
    if http_client_override is not None:
        options["http_client"] = http_client_override
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options).v1


def is_missing(exc: Exception) -> bool:
    return isinstance(exc, stripe.InvalidRequestError) and getattr(exc, "http_status", None) == 404


def plan_ensure(*, plan_id: str, name: str, amount: int, currency: str) -> None:
    """Create the product and the plan in Stripe if they are not there yet (idempotent)."""
    api = client()
    try:
        api.products.retrieve(PRODUCT_ID)
    except stripe.InvalidRequestError as exc:
        if not is_missing(exc):
            raise
        api.products.create(params={"id": PRODUCT_ID, "name": "Sila"})
    try:
        api.plans.retrieve(plan_id)
    except stripe.InvalidRequestError as exc:
        if not is_missing(exc):
            raise
        api.plans.create(
            params={
                "id": plan_id,
                "product": PRODUCT_ID,
                "nickname": name,
                "amount": amount,
                "currency": currency,
                "interval": "month",
            }
        )


def construct_event(payload: bytes, signature: str) -> Any:
    """Check the webhook's signature and age (5 minutes); raises ValueError or
    stripe.SignatureVerificationError."""
    event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300)
    return event.to_dict()


StripeError = stripe.StripeError
SignatureVerificationError = stripe.SignatureVerificationError
