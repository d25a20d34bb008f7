"""Done-when of the platform issue, in Chromium on a phone-sized screen, in Arabic: a charity signs
itself up, verifies its email, watches provisioning and lands signed in on its site with its draft
policy; its subscription is paid, fails and recovers through localstripe's signed webhooks with the
plan following; a platform admin suspends it (writes 423, public policy still shown) and
reactivates it."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

from tests.conftest import totp_code
from tests.e2e.conftest import ARTIFACTS, LiveSila

SLUG = "nour-e2e"
PASSWORD = "Zayt-w-Zaatar-2026"


def _verification_link(live_sila: LiveSila, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.findall(
            r"http://localhost:\d+/signup/verify/[A-Za-z0-9_-]+/", live_sila.server_log.read_text()
        )
        if found:
            return str(found[-1])
        time.sleep(0.3)
    raise AssertionError("no verification email was sent")


def _http(
    live_sila: LiveSila,
    slug: str | None,
    path: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """Python does not resolve *.localhost as browsers do: ask 127.0.0.1 with the host's name."""
    host = f"{slug}.localhost" if slug else "localhost"
    request = urllib.request.Request(
        f"http://127.0.0.1:{live_sila.port}{path}",
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Host": f"{host}:{live_sila.port}", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def _code(secret: str) -> str:
    """The authenticator's code, not in the last seconds of its 30-second period (the server checks
    it a moment later, on a loaded machine)."""
    while 30 - time.time() % 30 < 5:
        time.sleep(0.5)
    return totp_code(secret)


def _click(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _reload_until(page: Any, selector: str, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.reload()
        if text in page.locator(selector).inner_text():
            return
        time.sleep(1)
    raise AssertionError(f"{text!r} never showed in {selector}: {page.locator(selector).inner_text()!r}")


def test_a_charity_signs_up_pays_fails_recovers(live_sila: LiveSila, new_page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = new_page(width=390, height=844)
    page.goto(live_sila.url(None, "/signup/"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("#name_ar", "جمعية نور الخيرية")
    page.fill("#name_en", "Nour Charity")
    page.fill("#licence_number", "١٢٣٤")
    page.select_option("#sector", "orphan_care")
    page.select_option("#region", "tabuk")
    page.fill("#slug", "www")
    page.locator("#slug-status", has_text="محجوز").wait_for()  # (the CSP forbids evaluated scripts)
    page.fill("#slug", SLUG)
    page.locator("#slug-status", has_text="متاح").wait_for()
    page.fill("#admin_name", "سارة العتيبي")
    page.fill("#admin_email", "sara@nour-e2e.test")
    page.fill("#password", PASSWORD)
    page.check("input[name=template][value=jamoum]")
    page.check("input[name=accept_terms]")
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "e2e-signup-form.png"), full_page=True)
    page.locator("form.signup-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/signup/sent/"))
    assert "sara@nour-e2e.test" in page.content()

    page.goto(_verification_link(live_sila))
    # An association's admin enrols a second factor before anything else, from the secret shown.
    page.wait_for_url(re.compile(rf"{SLUG}\.localhost:\d+/accounts/2fa/totp/activate/"), timeout=60_000)
    assert "سارة العتيبي" in page.content()  # signed in as the admin from the form
    page.fill("input[name=code]", _code(page.locator("#authenticator_secret").input_value()))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.screenshot(path=str(ARTIFACTS / "e2e-signup-mfa.png"), full_page=True)
    assert "/accounts/2fa/totp/activate/" not in page.url, page.locator("main").inner_text()
    page.goto(live_sila.url(SLUG, "/welcome/"))
    assert "أضف أعضاء مجلس الإدارة" in page.content()
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "e2e-signup-welcome.png"), full_page=True)
    # The checklist's look item opens the theme editor (it once led to the home page).
    with page.expect_navigation():
        page.locator("ol.checklist a", has_text="اختر مظهر موقعك").click()
    assert page.url.endswith("/staff/theme/"), page.url

    page.goto(live_sila.url(SLUG, "/staff/policy/"))
    assert page.locator(".badge").all_inner_texts() == ["مسودة"]  # one version: a draft, nothing in force

    # Billing through localstripe: each change arrives as a signed webhook.
    page.goto(live_sila.url(SLUG, "/staff/billing/"))
    assert "المجانية" in page.locator("#current-plan").inner_text()
    page.check("input[name=plan][value=standard]")
    page.fill("input[name=card_number]", "4242 4242 4242 4242")
    _click(page, "button[value=subscribe]")
    _reload_until(page, "#current-plan", "القياسية")
    assert "مدفوع" in page.locator("#plan-status").inner_text()
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "e2e-billing-active.png"), full_page=True)

    page.fill("form:has(button[value=card]) input[name=card_number]", "4000000000000341")
    _click(page, "button[value=card]")
    _click(page, "button[value=renew]")
    _reload_until(page, "#plan-status", "مهلة")
    assert "القياسية" in page.locator("#current-plan").inner_text()  # the plan is kept in the grace period
    page.screenshot(path=str(ARTIFACTS / "e2e-billing-grace.png"), full_page=True)

    page.fill("form:has(button[value=card]) input[name=card_number]", "4242424242424242")
    _click(page, "button[value=card]")
    _reload_until(page, "#plan-status", "مدفوع")
    # Both invoices, the first and the renewal, are paid (webhooks raced: none was lost).
    _reload_until(page, "#invoices", "مدفوعة")
    rows = page.locator("#invoices tbody tr").all_inner_texts()
    assert len(rows) == 2, rows
    assert all("مدفوعة" in row and "غير مدفوعة" not in row for row in rows), rows

    status, body = _http(live_sila, None, f"/api/v1/signups/slug-check?slug={SLUG}")
    assert (status, json.loads(body)["code"]) == (200, "taken")


def test_a_platform_admin_suspends_and_reactivates(live_sila: LiveSila, new_page: Any) -> None:
    operator = live_sila.credentials["platform"]["logins"][0]
    staff_token = live_sila.login("rumaila", "reception")["api_token"]

    def write_status() -> tuple[int, bytes]:
        return _http(
            live_sila,
            "rumaila",
            "/api/v1/cases/",
            data=b"{}",
            headers={"Authorization": f"Bearer {staff_token}", "Content-Type": "application/json"},
        )

    page = new_page(width=390, height=844)
    page.goto(live_sila.url(None, "/accounts/login/"))
    page.fill("input[name=login]", operator["email"])
    page.fill("input[name=password]", operator["password"])
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", _code(operator["totp_secret"]))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.goto(live_sila.url(None, "/console/?q=rumaila"))
    page.locator("a[href='/console/a/rumaila/']").click()
    page.fill("input[name=reason]", "متأخرات سداد")
    with page.expect_navigation():
        page.locator("form[action$='/suspend/'] button").click()
    assert "موقوف" in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "e2e-console-suspended.png"), full_page=True)

    status, body = write_status()
    assert status == 423
    assert b"association_suspended" in body
    public = new_page(width=390, height=844)
    public.goto(live_sila.url("rumaila", "/policy/"))
    assert public.locator(".banner-suspended").count() == 1
    assert "سياسة" in public.locator("h1").first.inner_text()  # the published policy is still there

    with page.expect_navigation():
        page.locator("form[action$='/reactivate/'] button").click()
    assert "نشط" in page.locator("h1").inner_text()
    status, _ = write_status()
    assert status == 400  # served again: the empty request is refused for its content, not locked
