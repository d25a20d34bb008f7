"""Sign-ups are limited per client address and per email: past a limit, 429 in the user's
language with Retry-After, on the page and in the API, and nothing is created or sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from signup.models import Signup, SignupStatus
from tests.platform.conftest import signup_data

API = "/api/v1/signups/"
HOUR = 3600


def _post(client: Client, address: str, lang: str = "ar", **data: Any) -> Any:
    return client.post(
        API, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang, REMOTE_ADDR=address
    )


def _nth(n: int, **extra: Any) -> dict[str, Any]:
    return signup_data(slug=f"nour{n}", email=f"admin{n}@nour.test", **extra)


def test_a_client_address_past_its_limit_gets_429_in_its_language(
    platform_client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SILA_SIGNUP_LIMITS_PER_ADDRESS = f"2/{HOUR},10/86400"
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(platform_client, "203.0.113.5", **_nth(1)).status_code == 201
        assert _post(platform_client, "203.0.113.5", **_nth(2)).status_code == 201
        refused = _post(platform_client, "203.0.113.5", **_nth(3))
        english = _post(platform_client, "203.0.113.5", lang="en", **_nth(4))
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "too_many_signups"
    assert body["detail"].startswith("بدأت تسجيلات كثيرة من هذا الجهاز أو الشبكة في وقت قصير.")
    assert 3500 < int(refused["Retry-After"]) <= HOUR
    assert body["retry_after"] == int(refused["Retry-After"])
    assert english.status_code == 429
    assert english.json()["detail"] == (
        "Too many sign-ups were started from this device or network in a short time. Try again in 1 hour."
    )
    # Nothing made, nothing sent for the refused ones; another address is not held back.
    assert sorted(Signup.objects.values_list("slug", flat=True)) == ["nour1", "nour2"]
    assert len(mail.outbox) == 2
    assert _post(platform_client, "198.51.100.7", **_nth(5)).status_code == 201


def test_the_address_is_kept_only_as_a_keyed_hash(platform_client: Client) -> None:
    assert _post(platform_client, "203.0.113.5", **_nth(1)).status_code == 201
    key = Signup.objects.get().client_key
    assert len(key) == 64
    assert "203.0.113.5" not in key
    assert _post(platform_client, "203.0.113.5", **_nth(2)).status_code == 201
    assert set(Signup.objects.values_list("client_key", flat=True)) == {key}


def test_the_limit_lifts_when_the_window_has_passed(platform_client: Client, settings: Any) -> None:
    settings.SILA_SIGNUP_LIMITS_PER_ADDRESS = f"1/{HOUR}"
    assert _post(platform_client, "203.0.113.5", **_nth(1)).status_code == 201
    assert _post(platform_client, "203.0.113.5", **_nth(2)).status_code == 429
    Signup.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=HOUR + 1))
    assert _post(platform_client, "203.0.113.5", **_nth(2)).status_code == 201


def test_an_email_past_its_limit_gets_429_at_the_email_field(platform_client: Client, settings: Any) -> None:
    settings.SILA_SIGNUP_LIMITS_PER_EMAIL = f"2/{HOUR}"
    for n, address in ((1, "203.0.113.1"), (2, "203.0.113.2")):
        response = _post(
            platform_client, address, lang="en", **signup_data(slug=f"nour{n}", email="Same@Nour.test")
        )
        assert response.status_code == 201
        # (Expired, so the one-pending-per-email rule is not what refuses the next one.)
        Signup.objects.update(status=SignupStatus.EXPIRED)
    refused = _post(
        platform_client, "203.0.113.3", lang="en", **signup_data(slug="nour3", email="same@nour.test")
    )
    assert refused.status_code == 429
    assert refused.json()["error_codes"] == {"admin_email": "too_many_signups"}
    assert refused.json()["errors"]["admin_email"] == [
        "Too many sign-ups were started with this email in a short time. Try again in 1 hour."
    ]
    assert Signup.objects.count() == 2


def test_the_page_says_so_above_the_form_and_keeps_what_was_typed(
    platform_client: Client, settings: Any
) -> None:
    settings.SILA_SIGNUP_LIMITS_PER_ADDRESS = f"1/{HOUR}"
    first = platform_client.post("/signup/", {**_nth(1), "accept_terms": "on"}, REMOTE_ADDR="203.0.113.5")
    assert first.status_code == 302
    page = platform_client.post("/signup/", {**_nth(2), "accept_terms": "on"}, REMOTE_ADDR="203.0.113.5")
    assert page.status_code == 429
    assert 3500 < int(page["Retry-After"]) <= HOUR
    html = page.content.decode()
    assert '<p class="form-error" role="alert">بدأت تسجيلات كثيرة من هذا الجهاز أو الشبكة' in html
    assert "حاول مرة أخرى بعد ساعة واحدة." in html
    assert 'value="nour2"' in html
    assert 'value="جمعية نور الخيرية"' in html
    assert Signup.objects.count() == 1


@pytest.mark.parametrize(("proxies", "same_key"), [(1, False), (0, True)])
def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    platform_client: Client, settings: Any, proxies: int, same_key: bool
) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    for n, forwarded in ((1, "203.0.113.1"), (2, "203.0.113.2")):
        response = platform_client.post(
            API,
            _nth(n),
            content_type="application/json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )
        assert response.status_code == 201
    assert (len(set(Signup.objects.values_list("client_key", flat=True))) == 1) is same_key
