"""Mawsam's board approves a policy change made without JSON, in Chromium, through the real pages.

The admin starts a draft from the policy in force, adds a channel from the catalogue (in place)
and changes the answer's window from two weeks to one month, in Arabic, and submits it; two board
members each land on a page listing the version awaiting their vote, read on the vote page exactly those two
changes, and sign; the chair approves. A copy of the new policy saved untouched shows no
difference. The editor also fits a 390-pixel phone. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.conftest import totp_code
from tests.e2e.conftest import ARTIFACTS, LiveSila

SLUG = "mawsam"
NEW_CHANNEL = "فروع الجمعية ومكاتبها"


class Authenticator:
    """A member's authenticator app: a fresh code for each use (allauth accepts the codes of the
    periods beside the current one, and refuses a code already used)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.offsets = iter((0, 1, -1))

    def code(self) -> str:
        return totp_code(self.secret, next(self.offsets))


def _second_factor(page: Page, authenticator: Authenticator) -> None:
    """Answer allauth's request for the authenticator code (at sign-in, or before a vote)."""
    page.fill("input[name=code]", authenticator.code())
    with page.expect_navigation():
        page.locator("form:has(input[name=code]) button[type=submit]").first.click()


def _sign_in(
    live_sila: LiveSila, new_page: Any, prefix: str, slug: str = SLUG, **size: int
) -> tuple[Page, Authenticator]:
    login = live_sila.login(slug, prefix)
    page: Page = new_page(**size)
    page.goto(live_sila.url(slug, "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    authenticator = Authenticator(login["totp_secret"])
    if page.locator("input[name=code]").count():
        _second_factor(page, authenticator)
    assert "تسجيل الخروج" in page.content(), f"{prefix} could not sign in"
    return page, authenticator


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *')).filter(e => {
            const r = e.getBoundingClientRect(); return r.width && (r.left < -1 || r.right > innerWidth + 1);
        }).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + (e.getAttribute('name') || ''))"""
    )
    assert width <= page.viewport_size["width"], (width, wide)  # type: ignore[index]


def test_mawsam_changes_its_policy_without_json_and_the_board_approves(
    live_sila: LiveSila, new_page: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    admin, admin_authenticator = _sign_in(live_sila, new_page, "admin")
    admin.goto(live_sila.url(SLUG, "/staff/policy/1/"))
    with admin.expect_navigation():
        admin.get_by_role("button", name="بدء مسودة جديدة من هذا الإصدار").click()
    assert admin.url.endswith("/staff/policy/2/edit")
    assert "{" not in admin.locator("#policy-editor").inner_text()  # no JSON on the screen

    # Add a channel from the catalogue: the row appears in place, and the channel leaves the choices.
    admin.select_option("select[name=add_channels]", label=NEW_CHANNEL)
    admin.locator("button[value='add:channels']").click()
    rows = admin.locator("[data-list=channel] > [data-row]")
    expect(rows.last.locator(".row-name")).to_have_text(NEW_CHANNEL)
    expect(admin.locator("select[name=add_channels] option", has_text=NEW_CHANNEL)).to_have_count(0)

    # The window: two weeks become one month, as a number and a unit.
    review = admin.locator("[data-list=step] > [data-row]").filter(has=admin.locator("[data-window]"))
    expect(review.locator("input[name=st_window_n]")).to_have_value("2")
    expect(review.locator("select[name=st_window_unit]")).to_have_value("W")
    review.locator("input[name=st_window_n]").fill("0")
    expect(review.locator("[data-err=window]")).to_contain_text("مدة الرد يوم واحد على الأقل")  # live
    review.locator("input[name=st_window_n]").fill("1")
    review.locator("select[name=st_window_unit]").select_option("M")
    expect(review.locator("[data-err=window]")).to_be_empty()
    admin.screenshot(path=str(ARTIFACTS / "policy-editor.png"), full_page=True)
    with admin.expect_navigation():
        admin.get_by_role("button", name="حفظ المسودة").click()
    assert admin.url.endswith("/staff/policy/2/"), admin.url
    with admin.expect_navigation():
        admin.get_by_role("button", name="رفع إلى مجلس الإدارة").click()

    # Each board member lands on the versions awaiting their vote and reads the two changes.
    for prefix in ("board1", "board2"):
        member, authenticator = _sign_in(live_sila, new_page, prefix)
        member.goto(live_sila.url(SLUG, "/"))
        awaiting = member.locator(".awaiting-vote")
        expect(awaiting).to_contain_text("إصدار السياسة ٢")
        with member.expect_navigation():
            awaiting.get_by_role("link").first.click()
        changes = member.locator(".diff-list > li")
        expect(changes).to_have_count(2)
        texts = changes.all_inner_texts()
        assert any(NEW_CHANNEL in t and "أضيفت قناة" in t for t in texts), texts
        assert any("تغيّرت مدة دراسة الطلب من أسبوعين إلى شهر" in t for t in texts), texts
        if prefix == "board1":
            member.screenshot(path=str(ARTIFACTS / "policy-vote.png"), full_page=True)
        member.check("input[name=choice][value=approve]")
        with member.expect_navigation():
            member.get_by_role("button", name="توقيع صوتي").click()
        _second_factor(member, authenticator)  # signing a vote asks for the second factor again
        expect(member.locator(".messages")).to_contain_text("سُجّل صوتك")
    # The association's admin closes the vote (the quorum is met) and confirms it is them.
    admin.goto(live_sila.url(SLUG, "/staff/policy/2/"))
    expect(admin.locator(".vote-tally strong")).to_have_text("2")
    with admin.expect_navigation():
        admin.get_by_role("button", name="اعتماد وإنفاذ").click()
    _second_factor(admin, admin_authenticator)
    expect(admin.locator("h1 .badge")).to_contain_text("نافذة")

    # The public page says one month, with the seed's words, and lists the new channel.
    public = new_page()
    public.goto(live_sila.url(SLUG, "/policy/"))
    expect(public.locator("[data-section=procedure]")).to_contain_text("خلال مدة لا تقل عن شهر")
    expect(public.locator("[data-section=channels]")).to_contain_text(NEW_CHANNEL)

    # An untouched copy, saved through the editor, shows no difference.
    admin.goto(live_sila.url(SLUG, "/staff/policy/2/"))
    with admin.expect_navigation():
        admin.get_by_role("button", name="بدء مسودة جديدة من هذا الإصدار").click()
    with admin.expect_navigation():
        admin.get_by_role("button", name="حفظ المسودة").click()
    admin.goto(live_sila.url(SLUG, "/staff/policy/3/diff"))
    expect(admin.locator(".diff-none")).to_be_visible()
    admin.screenshot(path=str(ARTIFACTS / "policy-untouched-diff.png"), full_page=True)

    # The editor on a phone: no sideways scrolling, Arabic and English stacked.
    phone = admin
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(live_sila.url(SLUG, "/staff/policy/3/edit"))
    _no_sideways_scroll(phone)
    phone.screenshot(path=str(ARTIFACTS / "policy-editor-phone.png"), full_page=True)
    phone.goto(live_sila.url(SLUG, "/staff/policy/2/"))
    _no_sideways_scroll(phone)


def test_baraas_admin_adds_rows_in_place_and_a_refused_save_loses_nothing(
    live_sila: LiveSila, new_page: Any
) -> None:
    """Rows are added on the page (no round trip to the server), each problem shows beside its
    field as it is typed, a save with a problem stays on the page with everything typed, and an
    intake question, a condition on its answer and a file limit are set without JSON."""
    ARTIFACTS.mkdir(exist_ok=True)
    slug = "baraa"
    admin, _ = _sign_in(live_sila, new_page, "admin", slug, width=390, height=844)
    admin.goto(live_sila.url(slug, "/staff/policy/1/"))
    with admin.expect_navigation():
        admin.get_by_role("button", name="بدء مسودة جديدة من هذا الإصدار").click()
    assert re.search(r"/staff/policy/\d+/edit$", admin.url), admin.url
    draft = admin.url.removesuffix("edit")
    admin.evaluate("window.stillThisPage = true")  # gone if the page is loaded again

    # A contact: a phone number typed wrong is named beside it as it is typed.
    contacts = admin.locator("[data-list=contact] > [data-row]")
    before = contacts.count()
    admin.select_option("select[name=add_contacts]", "phone")
    admin.locator("button[value='add:contacts']").click()
    expect(contacts).to_have_count(before + 1)
    phone = contacts.last.locator("input[name=ct_value]")
    expect(phone).to_be_focused()
    phone.type("رقم")
    expect(contacts.last.locator("[data-err=value]")).to_contain_text("رقم الهاتف غير صحيح")
    phone.fill("0555123456")
    expect(contacts.last.locator("[data-err=value]")).to_be_empty()

    # A fund account: the IBAN's check digits are checked as they are typed.
    accounts = admin.locator("[data-list=account] > [data-row]")
    before = accounts.count()
    admin.locator("button[value='add:bank_accounts']").click()
    expect(accounts).to_have_count(before + 1)
    account = accounts.last
    account.locator("input[name=ac_label_ar]").fill("صندوق الطالب")
    account.locator("input[name=ac_label_en]").fill("Student fund")
    account.locator("input[name=ac_iban]").type("SA0380000000608010167518")
    expect(account.locator("[data-err=iban]")).to_contain_text("رقم التحقق في الآيبان غير صحيح")
    account.locator("input[name=ac_iban]").fill("")
    account.locator("input[name=ac_iban]").type("SA0380000000608010167519")
    expect(account.locator("[data-err=iban]")).to_contain_text("الآيبان صحيح")

    # A question with a choice of answers, and a document asked for only for one of them.
    questions = admin.locator("[data-list=intake] > [data-row]")
    before = questions.count()
    admin.locator("button[value='add:intake']").click()
    expect(questions).to_have_count(before + 1)
    question = questions.last
    expect(question.locator("textarea[name=if_options]")).to_be_hidden()
    question.locator("input[name=if_label_ar]").fill("نوع السكن الجامعي")
    question.locator("input[name=if_label_en]").fill("University housing")
    question.locator("select[name=if_type]").select_option("choice")
    expect(question.locator("textarea[name=if_options]")).to_be_visible()
    question.locator("textarea[name=if_options]").fill("داخلي | On campus\nخارجي | Off campus")
    items = admin.locator("[data-list=check] > [data-row]")
    before = items.count()
    admin.locator("button[value='add:checklists']").click()
    expect(items).to_have_count(before + 1)
    item = items.last
    item.locator("select[name=ck_step]").select_option("verify")
    item.locator("input[name=ck_label_ar]").fill("عقد السكن الخارجي")
    item.locator("select[name=ck_kind]").select_option("document")
    item.get_by_label("PNG").uncheck()
    item.get_by_label("JPEG").uncheck()
    item.locator("input[name=ck_max_mb]").fill("5")
    item.locator("select[name=ck_when_field]").select_option(label="«نوع السكن الجامعي»")
    item.get_by_label("خارجي").check()
    admin.screenshot(path=str(ARTIFACTS / "policy-editor-rows-phone-ar.png"), full_page=True)
    _no_sideways_scroll(admin)

    # Saving with the item's English name missing: the page stays, with the problem beside it.
    admin.get_by_role("button", name="حفظ المسودة").click()
    expect(item.locator("[data-err=label_en]")).to_contain_text("هذا الحقل مطلوب")
    expect(item.locator("input[name=ck_label_en]")).to_be_focused()
    assert admin.evaluate("window.stillThisPage === true")
    expect(phone).to_have_value("0555123456")
    expect(question.locator("textarea[name=if_options]")).to_have_value(
        "داخلي | On campus\nخارجي | Off campus"
    )
    expect(item.get_by_label("خارجي")).to_be_checked()
    item.locator("input[name=ck_label_en]").fill("Off-campus lease")
    with admin.expect_navigation():
        admin.get_by_role("button", name="حفظ المسودة").click()
    assert admin.url == draft, admin.url

    # What the board will read: the four additions, by name.
    admin.goto(draft + "diff")
    changes = admin.locator(".diff-list > li")
    texts = " ".join(changes.all_inner_texts())
    for added in ("0555123456", "صندوق الطالب", "نوع السكن الجامعي", "عقد السكن الخارجي"):
        assert added in texts, (added, texts)
    expect(changes).to_have_count(4)

    # The same editor in English: what was saved, the condition in words, nothing sideways.
    admin.context.add_cookies([{"name": "sila_language", "value": "en", "url": live_sila.url(slug, "/")}])
    admin.goto(draft + "edit")
    item = admin.locator("[data-list=check] > [data-row]").filter(
        has=admin.locator("input[name=ck_label_en][value='Off-campus lease']")
    )
    expect(item.locator("select[name=ck_when_field] option:checked")).to_have_text("«University housing»")
    expect(item.get_by_label("Off campus")).to_be_checked()
    expect(item.locator("input[name=ck_max_mb]")).to_have_value("5")
    _no_sideways_scroll(admin)
    admin.screenshot(path=str(ARTIFACTS / "policy-editor-rows-phone-en.png"), full_page=True)
