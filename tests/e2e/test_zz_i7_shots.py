"""Throwaway (not committed): screenshots of a withdrawn case's page and of the inbox at 390 px."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import ARTIFACTS, LiveSila, sideways_overflow
from tests.e2e.test_jamoum_request import SLUG


def test_shots(live_sila: LiveSila, new_page: Any) -> None:
    for lang, locale in (("ar", "ar-SA"), ("en", "en-US")):
        login = live_sila.login(SLUG, "reception")
        page = new_page(locale=locale, width=390, height=900)
        page.goto(live_sila.url(SLUG, "/accounts/login/"))
        page.fill("input[name=login]", login["email"])
        page.fill("input[name=password]", login["password"])
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
        if lang == "en":
            page.goto(live_sila.url(SLUG, "/staff/"))
            with page.expect_navigation():
                page.locator("form[action*='setlang'] button").first.click()
        page.goto(live_sila.url(SLUG, "/staff/?status=closed&outcome=withdrawn"))
        page.screenshot(path=str(ARTIFACTS / f"i7-inbox-{lang}.png"), full_page=True)
        page.goto(live_sila.url(SLUG, "/staff/cases/new"))
        page.screenshot(path=str(ARTIFACTS / f"i7-new-{lang}.png"), full_page=True)
        page.goto(live_sila.url(SLUG, "/staff/?status=closed&outcome=withdrawn"))
        page.locator("main a[href^='/staff/cases/']:not([href*='new']):visible").first.click()
        page.wait_for_load_state()
        print(lang, "overflow", sideways_overflow(page))
        page.screenshot(path=str(ARTIFACTS / f"i7-withdrawn-{lang}.png"), full_page=True)
        page.locator("#timeline").screenshot(path=str(ARTIFACTS / f"i7-timeline-{lang}.png"))
