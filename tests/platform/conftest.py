"""Fixtures for the platform side: sign-up data, a signed-up association."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from signup import services
from signup.models import Signup

STRONG = "Zayt-w-Zaatar-2026"


def signup_data(slug: str = "nour", email: str = "admin@nour.test", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name_ar": "جمعية نور الخيرية",
        "name_en": "Nour Charity",
        "licence_number": "1234",
        "sector": "social_services",
        "region": "riyadh",
        "admin_name": "سارة العتيبي",
        "admin_email": email,
        "password": STRONG,
        "slug": slug,
        "template": "rumaila",
        "accept_terms": True,
    }
    data.update(extra)
    return data


def token_from_mail() -> str:
    body = str(mail.outbox[-1].body)
    match = re.search(r"/signup/verify/([A-Za-z0-9_-]+)/", body)
    assert match, body
    return match.group(1)


@pytest.fixture
def verified_signup(db: None, django_capture_on_commit_callbacks: Any) -> Signup:
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_create(data=signup_data())
    return services.signup_verify(token=token_from_mail())


# --- billing: localstripe, started like the embedded PostgreSQL --------------------------------

WEBHOOK_SECRET = "whsec_sila_tests"


@pytest.fixture(scope="session")
def fake_stripe() -> Any:
    from billing.fake_stripe import FakeStripe

    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_on(settings: Any, fake_stripe: Any) -> Any:
    settings.STRIPE_SECRET_KEY = "sk_test_sila"
    settings.STRIPE_API_BASE = fake_stripe.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return fake_stripe


def signed(payload: str, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    import hashlib
    import hmac
    import time

    timestamp = int(time.time()) if at is None else at
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"
