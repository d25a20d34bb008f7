"""The cross-association check at intake, in Chromium at 390 px, in Arabic: Jamoum's reception
opens a request for the demo's person served by Rumaila too (she consented to the check, and at
Rumaila to being named) and lands on the request's page, which says that one other association
serves her, and which, with nothing of Rumaila's record; no sideways scroll, nothing serious for
axe, no internal code. A screenshot goes to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from sila.demo_intake import SAMPLES
from sila.demo_privacy import SHARED_NATIONAL_ID, SHARED_PHONES
from tests.e2e.conftest import ARTIFACTS, LiveSila, axe_serious, sideways_overflow
from tests.e2e.intake import fill_intake
from tests.e2e.test_jamoum_request import _assert_arabic
from tests.e2e.test_public_site_and_portal import PHONE_HEIGHT, PHONE_WIDTH

SLUG = "jamoum"


def test_opening_a_request_at_jamoum_tells_reception_rumaila_serves_the_person_too(
    live_sila: LiveSila, new_page: Any
) -> None:
    login = live_sila.login(SLUG, "reception")
    page: Page = new_page(width=PHONE_WIDTH, height=PHONE_HEIGHT)
    page.goto(live_sila.url(SLUG, "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    assert "تسجيل الخروج" in page.content(), "reception could not sign in"

    page.goto(live_sila.url(SLUG, f"/staff/cases/new?q={SHARED_NATIONAL_ID}"))
    with page.expect_navigation():
        page.locator("ul.matches a").first.click()
    opening = page.locator("form:has(select[name=channel])")
    opening.locator("select[name=channel]").select_option("interview")
    fill_intake(opening, SAMPLES["orphan_care"])
    opening.locator("input[name=notice_given]").check()
    opening.locator("input[name=consents][value=cross_check]").check()
    with page.expect_navigation():
        opening.get_by_role("button", name="فتح الطلب", exact=True).click()
    assert re.search(r"/staff/cases/\d+/$", page.url), page.url
    _assert_arabic(page)

    rumaila = next(a for a in live_sila.credentials["associations"] if a["slug"] == "rumaila")
    notice = page.locator(".messages")
    expect(notice).to_contain_text("فُتح الطلب.")
    expect(notice).to_contain_text(
        f"تخدم هذا الشخص أيضًا جمعية أخرى واحدة. المذكورة بموافقة الشخص: {rumaila['name_ar']}"
    )
    text = page.locator("main").inner_text()
    for rumaila_data in (SHARED_PHONES["rumaila"], SHARED_PHONES["rumaila"][1:]):
        assert rumaila_data not in text
    for code in ("cross_check", "not_consented", "limit_reached", "served_elsewhere"):
        assert code not in text
    assert sideways_overflow(page) <= 0, f"{page.url} scrolls sideways by {sideways_overflow(page)}px"
    assert axe_serious(page) == [], page.url
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "intake-cross-check-ar.png"), full_page=True)
