"""A beneficiary's data rights on the portal, in Chromium at 390 px, in Arabic: the demo's person
served by Rumaila signs in with a code texted through the SMS gateway (the stand-in), asks for
access to their data, withdraws their consent to text messages, and sees both on the page; no
sideways scroll, nothing serious for axe, no English and no internal code on the Arabic page.
Screenshots in both languages go to test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from sila.demo_privacy import SHARED_PHONES
from tests.e2e.conftest import ARTIFACTS, LiveSila, axe_serious, sideways_overflow
from tests.e2e.test_jamoum_request import _assert_arabic
from tests.e2e.test_public_site_and_portal import PHONE_HEIGHT, PHONE_WIDTH, _english, _sms_to

# Codes the page must never show a person (the stored values behind the words).
INTERNAL = ("access", "correction", "erasure", "restriction", "sms", "cross_check", "open", "portal")


def _check(page: Page, name: str, *, lang: str = "ar") -> None:
    assert sideways_overflow(page) <= 0, f"{page.url} scrolls sideways by {sideways_overflow(page)}px"
    assert axe_serious(page) == [], page.url
    page.screenshot(path=str(ARTIFACTS / f"portal-privacy-{name}-{lang}.png"), full_page=True)


def _no_english_nor_codes(page: Page) -> None:
    text = page.locator("main").inner_text()
    latin = re.findall(r"[A-Za-z]{2,}", text)
    assert latin == [], f"English on the Arabic page: {latin}"
    for code in INTERNAL:
        assert not re.search(rf"\b{code}\b", text), code


def test_a_beneficiary_asks_for_access_and_withdraws_sms_consent_on_a_phone(
    live_sila: LiveSila, new_page: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    mobile = SHARED_PHONES["rumaila"]
    phone_e164 = "+966" + mobile[1:]
    texts_before = len([m for m in live_sila.text_messages() if m["to"] == phone_e164])
    person: Page = new_page(width=PHONE_WIDTH, height=PHONE_HEIGHT)
    person.goto(live_sila.url("rumaila", "/portal/"))
    person.locator("input[name=phone]").fill(mobile)
    with person.expect_navigation():
        person.get_by_role("button", name="أرسلوا لي رمز الدخول").click()
    code = _sms_to(live_sila, phone_e164, r"(\d{6})", after=texts_before)
    person.locator("input[name=code]").fill(code)
    with person.expect_navigation():
        person.get_by_role("button", name="تسجيل الدخول").click()
    expect(person.locator("h1")).to_have_text("طلباتي")

    with person.expect_navigation():
        person.locator(".portal-bar").get_by_role("link", name="بياناتي وخصوصيتي").click()
    _assert_arabic(person)
    expect(person.locator("h1")).to_have_text("بياناتي وخصوصيتي")
    consents = person.locator("li.consent")
    expect(consents).to_have_count(3)  # texts, the check, and naming Rumaila to others
    _no_english_nor_codes(person)
    _check(person, "before")

    # She asks for a copy of everything Rumaila holds about her.
    form = person.locator("form.rights-form")
    form.locator("input[name=kind][value=access]").check()
    with person.expect_navigation():
        form.get_by_role("button", name="إرسال الطلب").click()
    expect(person.locator(".notice")).to_contain_text("أُرسل طلبك.")
    asked = person.locator("li.rights-request")
    expect(asked).to_have_count(1)
    expect(asked).to_contain_text("الاطلاع على بياناتي")
    expect(asked).to_contain_text("قيد المعالجة")
    expect(asked).to_contain_text("موعد الرد على طلبكم")

    # Asking again for the same is refused in her words, and nothing is lost.
    form = person.locator("form.rights-form")
    form.locator("input[name=kind][value=access]").check()
    with person.expect_navigation():
        form.get_by_role("button", name="إرسال الطلب").click()
    expect(person.locator(".form-errors")).to_contain_text("لدى الجمعية طلب مفتوح من هذا النوع")
    expect(person.locator("li.rights-request")).to_have_count(1)

    # She withdraws her consent to text messages.
    sms = consents.filter(has_text="الرسائل النصية عن طلباتي")
    with person.expect_navigation():
        sms.get_by_role("button", name="سحب هذه الموافقة").click()
    expect(person.locator(".notice")).to_contain_text("سُحبت موافقتك")
    sms = person.locator("li.consent", has_text="الرسائل النصية عن طلباتي")
    expect(sms).to_contain_text("سُحبت")
    expect(sms.get_by_role("button")).to_have_count(0)
    _no_english_nor_codes(person)
    _check(person, "after")

    _english(person)
    expect(person.locator("h1")).to_have_text("My data and my privacy")
    expect(person.locator("li.rights-request")).to_contain_text("Access to my data")
    expect(person.locator("li.rights-request")).to_contain_text("Being handled")
    _check(person, "after", lang="en")
