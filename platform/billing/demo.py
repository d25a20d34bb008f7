"""The demo's billing: localstripe beside the server, and one subscription's life told as it happens
(subscribed and paid, a payment failing into the grace period, recovered), every change arriving
through Stripe's signed webhooks."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from billing import gateway, services
from billing.fake_stripe import FakeStripe
from billing.models import Plan, Subscription
from tenants.models import Association

STORY_ASSOCIATION = "baraa"


def start_fake_stripe(port: int) -> tuple[FakeStripe, dict[str, str]]:
    """Start localstripe and point this process's settings (and the returned env, for the worker)
    at it; it delivers webhooks to the demo server."""
    server = FakeStripe().start()
    env = {
        "STRIPE_SECRET_KEY": "sk_test_sila_demo",
        "STRIPE_API_BASE": server.url,
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
    }
    for key, value in env.items():
        setattr(settings, key, value)
    server.register_webhook(f"http://localhost:{port}/billing/stripe/webhook/", env["STRIPE_WEBHOOK_SECRET"])
    return server, env


def _wait_for_server(port: int, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def _state(association: Association) -> str:
    row = Subscription.objects.select_related("plan", "association").get(association=association)
    grace = f", grace until {row.grace_until:%Y-%m-%d}" if row.grace_until else ""
    return f"plan {row.plan.code}, {row.get_status_display()}{grace}; association {row.association.status}"


def _wait_until(
    association: Association, check: Callable[[Subscription], bool], timeout: float = 20.0
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        row = Subscription.objects.select_related("plan").get(association=association)
        if check(row):
            return True
        time.sleep(0.5)
    return False


def _known_to_stripe(customer_id: str) -> bool:
    try:
        gateway.client().customers.retrieve(customer_id)
    except gateway.StripeError as exc:
        if gateway.is_missing(exc):
            return False
        raise
    return True


def subscription_story(port: int, echo: Callable[[str], None]) -> None:
    """Run after the server answers: every step waits for Stripe's webhook to change the plan."""
    if not _wait_for_server(port):
        echo("billing demo: the server did not start")
        return
    association = Association.objects.get(slug=STORY_ASSOCIATION)
    row = services.subscription_ensure(association=association)
    if row.stripe_customer_id and not _known_to_stripe(row.stripe_customer_id):
        # localstripe keeps nothing between runs: forget the previous run's Stripe ids (demo only).
        Subscription.objects.filter(pk=row.pk).update(
            stripe_customer_id="", stripe_subscription_id="", stripe_status="", grace_until=None,
            plan=Plan.objects.get(code="free"), status="free",
        )  # fmt: skip
    echo(f"\nBilling demo on {association.slug} (localstripe; changes arrive by webhook):")
    services.plans_sync()
    services.customer_ensure(association=association, email=f"admin@{association.slug}.sila.example")
    services.card_set(
        association=association, payment_method_id=services.test_card_create("4242424242424242"), actor=None
    )
    services.subscription_start(association=association, plan_code="standard", actor=None)
    _wait_until(association, lambda r: r.plan.code == "standard")
    echo(f"  1. subscribed and paid      -> {_state(association)}")
    services.card_set(
        association=association, payment_method_id=services.test_card_create("4000000000000341"), actor=None
    )
    services.invoice_bill_now(association=association)
    _wait_until(association, lambda r: r.status == "past_due")
    echo(f"  2. renewal card declined    -> {_state(association)}")
    services.card_set(
        association=association, payment_method_id=services.test_card_create("4242424242424242"), actor=None
    )
    services.invoices_retry(association=association, actor=None)
    _wait_until(association, lambda r: r.status == "active")
    echo(f"  3. new card, invoice paid   -> {_state(association)}")
    echo(
        f"  Its plan and invoices: {settings.SILA_PUBLIC_SCHEME}://localhost:{port}/console/a/{association.slug}/\n"
    )
