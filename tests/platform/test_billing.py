"""Billing against localstripe through the real stripe library; webhooks signed like Stripe's."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from billing import gateway, services
from billing.models import Invoice, Plan, StripeEvent, Subscription, SubscriptionStatus
from core.errors import ServiceError
from tenants.db import connection
from tenants.models import Association, AssociationStatus
from tests.conftest import PASSWORD
from tests.platform.conftest import signed

WEBHOOK = "/billing/stripe/webhook/"
GOOD_CARD = "4242424242424242"
FAILING_CARD = "4000000000000341"  # attaches, then every charge is declined


def deliver(event: dict[str, Any], **kwargs: Any) -> Any:
    payload = json.dumps(event)
    return Client(HTTP_HOST="localhost").post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signed(payload, **kwargs)
    )


class Events:
    """localstripe's events, taken in order of creation, each delivered at most once by default."""

    def __init__(self) -> None:
        self.seen: set[str] = {e["id"] for e in self._all()}

    @staticmethod
    def _all() -> list[dict[str, Any]]:
        # localstripe lists the oldest first (Stripe: the newest first); every page is read.
        listing = gateway.client().events.list(params={"limit": 100})
        return [e.to_dict() for e in listing.auto_paging_iter()]

    def new(self) -> list[dict[str, Any]]:
        time.sleep(0.05)
        fresh = [e for e in self._all() if e["id"] not in self.seen]
        self.seen.update(e["id"] for e in fresh)
        return fresh


def subscribe(association: Association, card: str = GOOD_CARD) -> str:
    services.plans_sync()
    services.customer_ensure(association=association, email="admin@alpha.test")
    services.card_set(association=association, payment_method_id=services.test_card_create(card), actor=None)
    return services.subscription_start(association=association, plan_code="standard", actor=None)


def test_a_webhook_without_a_good_fresh_signature_is_refused(stripe_on: Any, db: None) -> None:
    event = {"id": "evt_x", "type": "customer.subscription.updated", "data": {"object": {"id": "sub_x"}}}
    payload = json.dumps(event)
    client = Client(HTTP_HOST="localhost")
    missing = client.post(WEBHOOK, payload, content_type="application/json")
    assert (missing.status_code, missing.json()["code"]) == (400, "signature_missing")
    bad = client.post(
        WEBHOOK,
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signed(payload, secret="whsec_wrong"),
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "signature_invalid")
    stale = deliver(event, at=int(time.time()) - 3600)
    assert (stale.status_code, stale.json()["code"]) == (400, "signature_stale")
    assert not StripeEvent.objects.exists()


def test_an_unknown_event_type_is_recorded_and_ignored(stripe_on: Any, db: None) -> None:
    response = deliver(
        {"id": "evt_unknown", "type": "radar.early_fraud_warning.created", "data": {"object": {}}}
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert StripeEvent.objects.get().outcome == "ignored"


def test_without_keys_billing_is_off_and_the_webhook_says_so(platform_client: Client) -> None:
    response = platform_client.post(
        WEBHOOK, "{}", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=x"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "billing_off"


def test_a_subscription_is_granted_only_by_its_webhook_and_a_replay_changes_nothing(
    stripe_on: Any, tenant_a: Association
) -> None:
    events = Events()
    subscribe(tenant_a)
    row = Subscription.objects.get(association=tenant_a)
    assert (row.plan.code, row.status) == ("free", SubscriptionStatus.FREE)  # Stripe has not spoken yet

    fresh = events.new()
    assert {"customer.subscription.created", "invoice.payment_succeeded"} <= {e["type"] for e in fresh}
    for event in fresh:
        assert deliver(event).status_code == 200
    row.refresh_from_db()
    assert (row.plan.code, row.status) == ("standard", SubscriptionStatus.ACTIVE)
    assert Invoice.objects.get(subscription=row).status == "paid"

    audits = AuditEvent.objects.count()
    replay = deliver(fresh[0])
    assert replay.json() == {"received": True, "duplicate": True}
    assert AuditEvent.objects.count() == audits
    assert StripeEvent.objects.filter(event_id=fresh[0]["id"]).count() == 1


def test_events_in_any_order_end_in_stripes_current_state(stripe_on: Any, tenant_a: Association) -> None:
    events = Events()
    subscribe(tenant_a)
    fresh = events.new()
    for event in reversed(fresh):  # the newest first, the creation last
        assert deliver(event).status_code == 200
    row = Subscription.objects.get(association=tenant_a)
    assert (row.plan.code, row.status) == ("standard", SubscriptionStatus.ACTIVE)


def test_failed_payment_grace_then_suspension_then_recovery(stripe_on: Any, tenant_a: Association) -> None:
    events = Events()
    subscribe(tenant_a)
    for event in events.new():
        deliver(event)

    # The card starts failing; the next invoice is declined.
    services.card_set(
        association=tenant_a, payment_method_id=services.test_card_create(FAILING_CARD), actor=None
    )
    services.invoice_bill_now(association=tenant_a)
    failed = events.new()
    assert "invoice.payment_failed" in {e["type"] for e in failed}
    for event in failed:
        deliver(event)
    row = Subscription.objects.get(association=tenant_a)
    assert row.status == SubscriptionStatus.PAST_DUE
    assert row.plan.code == "standard"  # kept during the grace period
    assert row.grace_until is not None
    assert row.grace_until > timezone.now() + dt.timedelta(days=13)
    tenant_a.refresh_from_db()
    assert tenant_a.status == AssociationStatus.ACTIVE

    # The grace period ends unpaid: suspended, nothing deleted, reads still work.
    Subscription.objects.filter(pk=row.pk).update(grace_until=timezone.now() - dt.timedelta(minutes=1))
    assert services.grace_periods_enforce() == 1
    tenant_a.refresh_from_db()
    assert tenant_a.status == AssociationStatus.SUSPENDED
    site = Client(HTTP_HOST="alpha.localhost")
    assert site.get("/").status_code == 200
    write = site.post("/api/v1/cases/", {}, content_type="application/json")
    assert (write.status_code, write.json()["code"]) == (423, "association_suspended")
    connection.set_tenant(tenant_a)
    assert User.objects.filter(email="admin@alpha.test").exists()
    connection.set_schema_to_public()

    # A good card pays the open invoice: Stripe says active, the association is back.
    services.card_set(
        association=tenant_a, payment_method_id=services.test_card_create(GOOD_CARD), actor=None
    )
    assert services.invoices_retry(association=tenant_a, actor=None) == 1
    for event in events.new():
        deliver(event)
    row.refresh_from_db()
    tenant_a.refresh_from_db()
    assert (row.status, row.grace_until, tenant_a.status) == (
        SubscriptionStatus.ACTIVE,
        None,
        AssociationStatus.ACTIVE,
    )


def test_plan_change_follows_the_webhook(stripe_on: Any, tenant_a: Association) -> None:
    events = Events()
    subscribe(tenant_a)
    for event in events.new():
        deliver(event)
    services.subscription_plan_change(association=tenant_a, plan_code="professional", actor=None)
    assert Subscription.objects.get(association=tenant_a).plan.code == "standard"
    # localstripe sends no event for an update: Stripe does (customer.subscription.updated).
    row = Subscription.objects.get(association=tenant_a)
    updated = {
        "id": "evt_plan_change",
        "type": "customer.subscription.updated",
        "data": {"object": {"id": row.stripe_subscription_id, "customer": row.stripe_customer_id}},
    }
    assert deliver(updated).status_code == 200
    assert Subscription.objects.get(association=tenant_a).plan.code == "professional"


def test_a_declined_card_is_a_clear_error(stripe_on: Any, tenant_a: Association) -> None:
    services.customer_ensure(association=tenant_a, email="admin@alpha.test")
    with pytest.raises(ServiceError) as refused:
        services.card_set(
            association=tenant_a, payment_method_id=services.test_card_create("4000000000000002"), actor=None
        )
    assert (refused.value.code, refused.value.status) == ("card_declined", 402)


def test_staff_past_the_plans_seats_is_refused_with_402(tenant_a: Association) -> None:
    free = Plan.objects.get(code="free")
    Subscription.objects.create(association=tenant_a, plan=free)
    connection.set_tenant(tenant_a)
    present = User.objects.filter(is_active=True, is_staff=True).count()
    assert free.max_staff is not None
    for index in range(free.max_staff - present):
        User.objects.create_user(f"staff{index}@alpha.test", PASSWORD, is_staff=True)
    with pytest.raises(ServiceError) as refused:
        User.objects.create_user("one-too-many@alpha.test", PASSWORD, is_staff=True)
    assert (refused.value.code, refused.value.status) == ("plan_limit", 402)
    assert not User.objects.filter(email="one-too-many@alpha.test").exists()


def test_inviting_past_the_seats_is_refused_with_402_when_inviting(tenant_a: Association) -> None:
    from accounts.models import Invitation
    from tests.accounts.test_team import _admin, _client
    from tests.conftest import totp_code

    free = Plan.objects.get(code="free")
    assert free.max_staff == 3
    Subscription.objects.create(association=tenant_a, plan=free)
    connection.set_tenant(tenant_a)
    assert User.objects.filter(is_active=True, is_staff=True).count() == 1  # the admin
    colleague = User.objects.create_user("desk@alpha.test", PASSWORD, is_staff=True)
    admin = _client(tenant_a, _admin(tenant_a))

    def invite(email: str, offset: int) -> Any:
        return admin.post(
            "/api/v1/staff/invitations/",
            {"email": email, "roles": ["reception_employee"], "code": totp_code(offset=offset)},
            content_type="application/json",
        )

    assert invite("third@alpha.test", 0).status_code == 201  # two staff and one seat held
    refused = invite("fourth@alpha.test", 1)
    assert refused.status_code == 402
    assert refused.json()["code"] == "plan_limit"
    assert refused.json()["detail"] == (
        "Your association has reached its Free plan's limit of 3 staff members. Upgrade the plan to add more."
    )
    connection.set_tenant(tenant_a)
    assert list(Invitation.objects.values_list("email", flat=True)) == ["third@alpha.test"]

    # A colleague switched off frees a seat; switching them back on past the seats is refused.
    User.objects.filter(pk=colleague.pk).update(is_active=False)
    Invitation.objects.create(
        email="fourth@alpha.test", token_sha256="x" * 64, expires_at=timezone.now() + dt.timedelta(days=7)
    )
    colleague.refresh_from_db()
    colleague.is_active = True
    with pytest.raises(ServiceError) as again:
        colleague.save(update_fields=["is_active"])
    assert (again.value.code, again.value.status) == ("plan_limit", 402)
    assert User.objects.get(pk=colleague.pk).is_active is False
