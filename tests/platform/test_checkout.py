"""Production's path: Stripe Checkout, which localstripe lacks, replayed from recorded responses
through the real stripe library (its request building, its response parsing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import stripe

from billing import gateway, services
from billing.models import Subscription, SubscriptionStatus
from tenants.models import Association
from tests.platform.test_billing import deliver

RECORDED = Path(__file__).parent / "recorded"


class RecordedStripe(stripe.HTTPClient):
    """Answers each (method, path) with a recorded Stripe response and keeps what was asked."""

    name = "recorded"

    def __init__(self, answers: dict[tuple[str, str], str]) -> None:
        super().__init__()
        self.answers = answers
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []

    def request(
        self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None
    ) -> Any:
        path = urlparse(url).path
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        self.requests.append((method.upper(), path, parse_qs(body)))
        recorded = self.answers[(method.upper(), path)]
        return (RECORDED / recorded).read_text(), 200, {"request-id": "req_recorded"}

    def close(self) -> None:
        pass


@pytest.fixture
def recorded(settings: Any) -> Iterator[RecordedStripe]:
    settings.STRIPE_SECRET_KEY = "sk_test_recorded"
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_WEBHOOK_SECRET = "whsec_sila_tests"
    client = RecordedStripe(
        {
            ("GET", "/v1/products/sila_platform"): "product.json",
            ("GET", "/v1/plans/sila_standard_monthly"): "plan_standard.json",
            ("POST", "/v1/checkout/sessions"): "checkout_session.json",
            ("GET", "/v1/subscriptions/sub_1SilaCheckout0001"): "subscription_active.json",
        }
    )
    gateway.http_client_override = client
    yield client
    gateway.http_client_override = None


def test_checkout_session_asks_stripe_for_the_plan_and_the_completed_session_grants_it(
    recorded: RecordedStripe, tenant_a: Association
) -> None:
    url = services.checkout_session_create(
        association=tenant_a,
        plan_code="standard",
        success_url="https://alpha.sila.example/staff/billing/?done=1",
        cancel_url="https://alpha.sila.example/staff/billing/",
    )
    assert url == "https://checkout.stripe.com/c/pay/cs_test_a1sila0checkout0standard0plan"
    assert [r[:2] for r in recorded.requests[:2]] == [
        ("GET", "/v1/products/sila_platform"),
        ("GET", "/v1/plans/sila_standard_monthly"),
    ]
    method, path, params = recorded.requests[2]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert params["mode"] == ["subscription"]
    assert params["line_items[0][price]"] == ["sila_standard_monthly"]
    assert params["client_reference_id"] == ["alpha"]
    assert params["subscription_data[metadata][association]"] == ["alpha"]
    assert Subscription.objects.get(association=tenant_a).plan.code == "free"

    session = json.loads((RECORDED / "checkout_session.json").read_text())
    session.update(
        {"status": "complete", "subscription": "sub_1SilaCheckout0001", "customer": "cus_SilaCheckout0001"}
    )
    event = {"id": "evt_checkout_done", "type": "checkout.session.completed", "data": {"object": session}}
    assert deliver(event).status_code == 200
    row = Subscription.objects.get(association=tenant_a)
    assert (row.plan.code, row.status, row.stripe_customer_id) == (
        "standard",
        SubscriptionStatus.ACTIVE,
        "cus_SilaCheckout0001",
    )
    assert recorded.requests[-1][:2] == ("GET", "/v1/subscriptions/sub_1SilaCheckout0001")
