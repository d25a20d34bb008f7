"""The demo's dashboard in Chromium: Arabic right to left and English, charts drawn from the demo's
year of history, a figure followed to the inbox, and a 390 px phone without sideways scrolling.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import totp_code
from tests.e2e.conftest import ARTIFACTS, LiveSila

YEAR = "/staff/reports/?period=range&from={start}&to={end}"


def sign_in(live_sila: LiveSila, page: Any, slug: str, who: str) -> None:
    """Password, then (admins and board members) the code of the demo login's authenticator."""
    login = live_sila.login(slug, who)
    page.goto(live_sila.url(slug, "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    # Sila accepts the previous, current and next 30 s code, each once: another test may have
    # used one of them for the same demo login, so try the others, then the next window's.
    for offset in (0, 1, -1, 2):
        if "/accounts/2fa/authenticate/" not in page.url:
            break
        if offset == 2:
            time.sleep(31)
        page.fill("input[name=code]", totp_code(login["totp_secret"], min(offset, 1)))
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
    assert "/accounts/" not in page.url, page.url


def test_the_dashboard_in_arabic_and_english(live_sila: LiveSila, new_page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = new_page()
    sign_in(live_sila, page, "jamoum", "admin")
    page.goto(live_sila.url("jamoum", "/"))
    page.get_by_role("link", name="التقارير").first.click()
    page.wait_for_load_state()
    # The last twelve months: the demo's history is spread over them.
    page.select_option("#r-period", "range")
    start = page.evaluate("new Date(Date.now() - 364 * 864e5).toISOString().slice(0, 10)")
    end = page.evaluate("new Date().toISOString().slice(0, 10)")
    page.fill("#r-from", start)
    page.fill("#r-to", end)
    page.get_by_role("button", name="اعرض").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "كيف نفي بوعود سياستنا"
    assert page.locator("svg.chart").count() >= 8
    months = page.locator("#t-months tbody tr")
    assert months.count() >= 12
    opened_by_month = [
        int(months.nth(i).locator("td").first.inner_text().replace(",", "")) for i in range(12)
    ]
    assert sum(1 for n in opened_by_month if n > 0) >= 11  # spread over the months
    page.screenshot(path=str(ARTIFACTS / "e2e-reports-ar.png"), full_page=True)

    # A figure leads to the inbox filtered to its cases: as many rows as the figure says.
    served = page.locator("#t-outcomes tbody tr").nth(4).locator("a")
    figure = int(served.inner_text().replace(",", ""))
    served.click()
    page.wait_for_load_state()
    assert page.url.count("outcome=served") == 1
    count = page.locator("main p.muted").first.inner_text()
    assert str(figure) in count.replace(",", "").replace("٬", "")

    page.go_back()
    page.locator("form.lang-switch button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == "How we keep our policy's promises"
    assert page.get_by_text("The review window promise").count() == 1
    page.screenshot(path=str(ARTIFACTS / "e2e-reports-en.png"), full_page=True)


def test_a_board_member_reads_it_on_a_phone(live_sila: LiveSila, new_page: Any) -> None:
    page = new_page(width=390, height=844)
    sign_in(live_sila, page, "jamoum", "board1")
    page.goto(live_sila.url("jamoum", "/staff/reports/?period=year"))
    assert page.locator("svg.chart").count() >= 1
    assert page.locator("#t-channels table a").count() == 0  # the board does not open cases
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=str(ARTIFACTS / "e2e-reports-board-phone.png"), full_page=True)
