"""The demo, served for real, seen through Chromium: Arabic right-to-left, and sign-in per host."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import ARTIFACTS, LiveSila


def test_platform_and_association_sites_in_arabic(live_sila: LiveSila, new_page: Any) -> None:
    page = new_page()
    page.goto(live_sila.url(None))
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_text("جمعية رعاية الأيتام بالجموم").count() >= 1

    page.goto(live_sila.url("jamoum"))
    assert page.locator("h1").first.inner_text() == "جمعية رعاية الأيتام بالجموم"
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans Arabic" in font
    page.wait_for_function("document.fonts.check('16px \"Noto Sans Arabic\"', 'جمعية')")


def test_staff_sign_in_on_their_association_only(live_sila: LiveSila, new_page: Any) -> None:
    login = live_sila.login("jamoum", "reception")
    page = new_page()
    page.goto(live_sila.url("jamoum", "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "تسجيل الخروج" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-signed-in-jamoum.png"), full_page=True)

    other = new_page()
    other.goto(live_sila.url("mawsam", "/accounts/login/"))
    other.fill("input[name=login]", login["email"])
    other.fill("input[name=password]", login["password"])
    other.locator("form button[type=submit]").last.click()
    other.wait_for_load_state()
    assert "تسجيل الخروج" not in other.content()
