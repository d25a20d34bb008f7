"""The public side in Chromium at 390 px, in Arabic: each association's site (no sideways scroll,
axe finds nothing serious), Tabuk's own channels and one-week window; a person applies on Jamoum's
site with documents and attestation, staff take the request through every step of Jamoum's policy,
the person signs in with a code texted through the SMS gateway (the stand-in), follows the request
and rates each service delivered; the association admin's theme editor, on a phone, refuses
unreadable colours and has nothing serious for axe. Screenshots of the key pages in both
languages go to test-artifacts/."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.conftest import totp_code
from tests.e2e.conftest import ARTIFACTS, LiveSila, axe_serious, sideways_overflow
from tests.e2e.test_jamoum_request import (
    NAME,
    STEPS,
    _action,
    _assert_arabic,
    _complete,
    _expect_step,
    _national_id,
    _sign_in,
    _submit,
)

PHONE_WIDTH, PHONE_HEIGHT = 390, 844
SLUGS = ("jamoum", "mawsam", "rumaila", "baraa", "tabuk")
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _check(page: Page, name: str, *, lang: str = "ar") -> None:
    """No sideways scroll, nothing serious for axe, and a screenshot kept."""
    assert sideways_overflow(page) <= 0, f"{page.url} scrolls sideways by {sideways_overflow(page)}px"
    assert axe_serious(page) == [], page.url
    page.screenshot(path=str(ARTIFACTS / f"site-{name}-{lang}.png"), full_page=True)


def _english(page: Page) -> None:
    with page.expect_navigation():
        page.locator(".lang-switch button[value=en]").click()
    assert page.locator("html").get_attribute("lang") == "en"


def _sms_to(live_sila: LiveSila, phone: str, pattern: str, *, after: int = 0, wait: float = 30) -> str:
    """The first text to ``phone`` (after the first ``after`` ones) whose body matches ``pattern``."""
    deadline = time.monotonic() + wait
    while True:
        bodies = [m["body"] for m in live_sila.text_messages() if m["to"] == phone][after:]
        for body in bodies:
            found = re.search(pattern, body)
            if found:
                return found.group(1)
        assert time.monotonic() < deadline, f"no SMS to {phone} matching {pattern!r}: {bodies}"
        time.sleep(0.4)


def test_every_association_site_reads_on_a_phone_in_both_languages(
    live_sila: LiveSila, new_page: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for slug in SLUGS:
        page: Page = new_page(width=PHONE_WIDTH, height=PHONE_HEIGHT)
        page.goto(live_sila.url(slug, "/"))
        _assert_arabic(page)
        _check(page, f"{slug}-home")
        page.goto(live_sila.url(slug, "/policy/"))
        if page.locator("h1").count():
            _check(page, f"{slug}-policy")
        page.goto(live_sila.url(slug, "/privacy/"))
        _check(page, f"{slug}-privacy")
        page.goto(live_sila.url(slug, "/portal/"))
        _check(page, f"{slug}-portal-sign-in")
        if slug in ("jamoum", "mawsam"):
            page.goto(live_sila.url(slug, "/"))
            _english(page)
            _check(page, f"{slug}-home", lang="en")
            page.goto(live_sila.url(slug, "/policy/"))
            _check(page, f"{slug}-policy", lang="en")

    # Jamoum's contacts and five fund accounts, Mawsam's email, phone (left to right) and address.
    jamoum = new_page(width=PHONE_WIDTH, height=PHONE_HEIGHT)
    jamoum.goto(live_sila.url("jamoum", "/"))
    channels = jamoum.locator("#channels")
    expect(channels.locator("a[href='mailto:aytaam.aljumum@gmail.com']")).to_be_visible()
    expect(channels).to_contain_text("aljumumorphan")
    expect(channels.locator(".number")).to_have_count(5)
    mawsam = new_page(width=PHONE_WIDTH, height=PHONE_HEIGHT)
    mawsam.goto(live_sila.url("mawsam", "/"))
    phone = mawsam.locator("#channels a[href^='tel:']")
    expect(phone).to_have_text("0550477355")
    assert phone.get_attribute("dir") == "ltr"
    expect(mawsam.locator("#channels")).to_contain_text("مركز الموسم")
    expect(mawsam.locator("#channels a[href='mailto:almoassam@outlook.sa']")).to_be_visible()


def test_tabuk_site_offers_only_its_channels_and_its_one_week_window(
    live_sila: LiveSila, new_page: Any
) -> None:
    page: Page = new_page(width=PHONE_WIDTH, height=PHONE_HEIGHT)
    page.goto(live_sila.url("tabuk", "/"))
    _assert_arabic(page)
    live_sila.manage(
        "shell",
        "-c",
        "import datetime as dt\n"
        "from tenants.db import connection\n"
        "from tenants.models import Association\n"
        "from policy_engine.models import PolicyVersion\n"
        "from policy_engine.services import policy_approval_record_paper\n"
        "connection.set_tenant(Association.objects.get(slug='tabuk'))\n"
        "v = PolicyVersion.objects.order_by('-number').first()\n"
        "if v.status != 'in_force':\n"
        "    policy_approval_record_paper(actor=None, number=v.number, signatories=[{'name': 'رئيس المجلس',"
        " 'role_ar': 'رئيس مجلس الإدارة'}], date_gregorian=dt.date.today())\n",
    )
    page.goto(live_sila.url("tabuk", "/"))
    chips = page.locator("#channels ul.chips li").all_inner_texts()
    # Tabuk's seven channels, in its policy's order: no help-request form, its own branch offices.
    assert chips == [
        "المقابلة",
        "الاتصالات الهاتفية",
        "وسائل التواصل الاجتماعي",
        "الخطابات",
        "خدمة التطوع",
        "الموقع الإلكتروني للجمعية",
        "فروع الجمعية ومكاتبها",
    ]
    expect(page.locator("#apply")).to_contain_text("أسبوع")
    _check(page, "tabuk-home-in-force")
    page.goto(live_sila.url("tabuk", "/apply/"))
    expect(page.locator("main")).to_contain_text("أسبوع")
    expect(page.locator("input[name=attestation_name]")).to_have_count(0)  # no attest step at Tabuk
    _check(page, "tabuk-apply")


def test_apply_follow_and_rate_on_jamoum_site(live_sila: LiveSila, new_page: Any, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    national_id = _national_id()
    mobile = "05" + national_id[2:10]
    phone_e164 = "+966" + mobile[1:]
    identity = tmp_path / "identity.pdf"
    identity.write_bytes(TINY_PDF)
    fake = tmp_path / "income.pdf"
    fake.write_bytes(b"MZ\x90\x00 this is a program, not a PDF")

    # --- The person applies on Jamoum's site, on a phone, in Arabic. -----------------------------
    person: Page = new_page(width=PHONE_WIDTH, height=PHONE_HEIGHT)
    person.goto(live_sila.url("jamoum", "/"))
    with person.expect_navigation():
        person.locator(".hero").get_by_role("link", name="تقديم طلب دعم").click()
    _assert_arabic(person)
    form = person.locator("form:has(input[name=national_id])")
    form.locator("input[name=full_name_ar]").fill(NAME)
    form.locator("input[name=national_id]").fill(national_id)
    form.locator("input[name=phone]").fill(mobile)
    form.locator("input[name=city]").fill("الجموم")
    # Jamoum's own intake form, from its policy in force.
    form.locator("select[name=f_applicant_relation]").select_option("mother")
    form.locator("input[name=f_father_death_date]").fill("1444-03-12")
    form.locator("input[name='f_orphans-0-full_name']").fill("سالم الحربي")
    form.locator("input[name='f_orphans-0-birth_date']").fill("2015-04-02")
    form.locator("select[name='f_orphans-0-gender']").select_option("male")
    form.locator("input[name=f_monthly_income]").fill("1800")
    form.locator("select[name=f_income_source]").select_option("social_security")
    form.locator("select[name=f_housing]").select_option("rented")
    form.locator("input[name=f_annual_rent]").fill("14000")
    form.locator("textarea[name=f_need_description]").fill("رسوم مدرسية لطفلين يتيمين")
    form.locator("input[name=doc_identity_presented]").set_input_files(str(identity))
    form.locator("input[name=doc_income_proof]").set_input_files(str(fake))  # not what it claims
    form.locator("input[name=attestation_name]").fill(NAME)
    form.locator("input[name=attestation_confirmed]").check()
    # The person agrees to be texted about the request (the tracking reference comes by SMS).
    form.locator("input[name=consents][value=sms]").check()
    _check(person, "jamoum-apply")
    with person.expect_navigation():
        form.get_by_role("button", name="إرسال طلبي").click()
    expect(person.locator("#err_doc_income_proof")).to_contain_text("يُقبل ملف PDF أو صورة")
    expect(person.locator("input[name=national_id]")).to_have_value(national_id)  # nothing typed is lost
    _check(person, "jamoum-apply-error")
    form = person.locator("form:has(input[name=national_id])")
    form.locator("input[name=doc_identity_presented]").set_input_files(str(identity))
    form.locator("input[name=attestation_confirmed]").check()
    with person.expect_navigation():
        form.get_by_role("button", name="إرسال طلبي").click()
    expect(person.locator("h1")).to_have_text("استُلم طلبك")
    reference = person.locator(".reference").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", reference), reference
    _check(person, "jamoum-applied")
    assert _sms_to(live_sila, phone_e164, r"برقم المتابعة (\S+)\.") == reference

    # --- Staff take it through every step of Jamoum's policy. -------------------------------------
    reception = _sign_in(live_sila, new_page, "reception")
    reception.goto(live_sila.url("jamoum", "/staff/?channel=website"))
    row = reception.locator(":is(tr, li, article)", has_text=NAME)
    with reception.expect_navigation():
        row.locator("a[href*='/staff/cases/']").first.click()
    case_path = re.search(r"/staff/cases/\d+/$", reception.url)
    assert case_path, reception.url
    _expect_step(reception, "receive")
    expect(reception.locator(".case-facts")).to_contain_text("الموقع الإلكتروني")
    for following in ("verify", "refer"):
        items = _action(reception, "verify_item")
        while items.count():
            item = items.first
            item.locator("input[name=note]").fill("طابقتُ ما أُرسل عبر الموقع")
            _submit(reception, item, "تحققتُ منه")
        _complete(reception, following)
    refer = _action(reception, "refer")
    refer.locator("textarea[name=question]").fill("هل الطفلان مسجلان في المدرسة؟")
    _submit(reception, refer, "إحالة السؤال")
    officer = _sign_in(live_sila, new_page, "research")
    officer.goto(live_sila.url("jamoum", case_path.group(0)))
    answer = _action(officer, "answer_referral")
    answer.locator("textarea[name=answer]").fill("نعم، بحسب إفادة المدرسة.")
    _submit(officer, answer, "إرسال الإجابة")
    reception.reload()
    _complete(reception, "attest")
    # The applicant attested online: the data has not changed, so the step can be completed.
    expect(reception.locator("#attestation")).to_contain_text(NAME)
    _complete(reception, "committee_review")
    for prefix in ("committee1", "committee2"):
        member = _sign_in(live_sila, new_page, prefix)
        member.goto(live_sila.url("jamoum", "/staff/committee/"))
        queued = member.locator("article.queue-item", has=member.locator(f"a[href='{case_path.group(0)}']"))
        vote = queued.locator("form.vote-form")
        vote.locator("input[name=choice][value=accept]").check()
        vote.locator("textarea[name=reason]").fill("الحاجة ثابتة")
        _submit(member, vote, "الإدلاء بصوتي")
    chair = _sign_in(live_sila, new_page, "committee3")
    chair.goto(live_sila.url("jamoum", case_path.group(0)))
    decide = _action(chair, "decide")
    decide.locator("textarea[name=minutes]").fill("قررت اللجنة قبول الطلب.")
    _submit(chair, decide, "تسجيل القرار")
    _expect_step(chair, "register")
    assert axe_serious(chair) == [], chair.url

    # --- Meanwhile the person signs in with a code and follows the request. ------------------------
    texts_before = len([m for m in live_sila.text_messages() if m["to"] == phone_e164])
    person.goto(live_sila.url("jamoum", "/portal/"))
    person.locator("input[name=phone]").fill(mobile)
    with person.expect_navigation():
        person.get_by_role("button", name="أرسلوا لي رمز الدخول").click()
    expect(person.locator("h1")).to_have_text("أدخل الرمز")
    _check(person, "portal-code")
    code = _sms_to(live_sila, phone_e164, r"(\d{6})", after=texts_before)
    person.locator("input[name=code]").fill(code)
    with person.expect_navigation():
        person.get_by_role("button", name="تسجيل الدخول").click()
    expect(person.locator("h1")).to_have_text("طلباتي")
    card = person.locator(".request-card", has_text=reference)
    expect(card).to_contain_text(STEPS["register"])
    _check(person, "portal-requests")
    with person.expect_navigation():
        card.click()
    expect(person.locator(".lead")).to_contain_text(STEPS["register"])
    expect(person.locator("main")).to_contain_text("القرار: مقبولة")  # decided: no due date any more
    _check(person, "portal-request")
    _english(person)
    expect(person.locator("h1")).to_contain_text(reference)
    _check(person, "portal-request", lang="en")
    with person.expect_navigation():
        person.locator(".lang-switch button[value=ar]").click()

    # --- Staff register and serve it; the person rates the service, once. -------------------------
    reception.goto(live_sila.url("jamoum", case_path.group(0)))
    _complete(reception, "serve", registration_number="J-1448-777")
    # Two services delivered (cash, then a purchase voucher): the person rates each, once.
    for kind, amount in (("cash", "900"), ("voucher", "300")):
        service = _action(reception, "record_service")
        service.locator("select[name=kind]").select_option(kind)
        service.locator("input[name=amount]").fill(amount)
        _submit(reception, service, "تسجيل الخدمة")
    _submit(reception, _action(reception, "complete"), "إتمام هذه الخطوة")
    expect(reception.locator("h1 .badge-closed")).to_have_text("تمت خدمتها")

    person.reload()
    _assert_arabic(person)
    services = person.locator("#rate .service-to-rate")
    expect(services).to_have_count(2)
    expect(services.nth(0).locator("h3")).to_contain_text("دعم نقدي — 900.00 ريال")
    expect(services.nth(1).locator("h3")).to_contain_text("قسيمة شراء — 300.00 ريال")
    rate = services.nth(0).locator("form.rating-form")
    rate.locator("input[name=score][value='4']").check()
    rate.locator("textarea[name=comment]").fill("تعامل طيب وسرعة في الرد.")
    _check(person, "portal-rate")
    with person.expect_navigation():
        rate.get_by_role("button", name="إرسال التقييم").click()
    expect(person.locator(".notice")).to_have_text("شكرًا لك، سُجّل تقييمك.")
    expect(services.nth(0)).to_contain_text("قيّمت هذه الخدمة بـ ٤ من ٥")
    expect(services.nth(0).locator("form")).to_have_count(0)  # once per service
    voucher = services.nth(1).locator("form.rating-form")
    voucher.locator("input[name=score][value='5']").check()
    with person.expect_navigation():
        voucher.get_by_role("button", name="إرسال التقييم").click()
    expect(person.locator("#rate form")).to_have_count(0)
    expect(services.nth(1)).to_contain_text("قيّمت هذه الخدمة بـ ٥ من ٥")
    _check(person, "portal-rated")
    _english(person)
    expect(services.nth(0)).to_contain_text("Cash support — 900.00 SAR")
    expect(services.nth(0)).to_contain_text("You rated this service 4 out of 5.")
    _check(person, "portal-rated", lang="en")
    with person.expect_navigation():
        person.locator(".lang-switch button[value=ar]").click()

    reception.reload()
    expect(reception.locator("#rating")).to_contain_text("قيّم المستفيد خدمتين.")
    # The gateway (the stand-in) reported each text's delivery to the platform's callback: staff
    # see, beside the message that the request was received, that it reached the phone.
    received = reception.locator("#messages li", has_text="استلام الطلب")
    expect(received.locator(".sms-status")).to_have_text("وصلت إلى الهاتف")
    assert axe_serious(reception) == [], reception.url
    reception.screenshot(path=str(ARTIFACTS / "site-jamoum-staff-case-ar.png"), full_page=True)


def _sign_in_admin(live_sila: LiveSila, new_page: Any) -> Page:
    """Jamoum's association admin, with the second factor its role requires (the demo's
    authenticator secret); a code already used is refused, so the next period's is tried then."""
    login = live_sila.login("jamoum", "admin")
    page: Page = new_page(width=PHONE_WIDTH, height=PHONE_HEIGHT)
    page.goto(live_sila.url("jamoum", "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    for offset in (0, 1, 2):
        if "/accounts/2fa/authenticate/" not in page.url:
            break
        if offset == 2:
            time.sleep(31)
        page.fill("input[name=code]", totp_code(login["totp_secret"], min(offset, 1)))
        with page.expect_navigation():
            page.locator("form button[type=submit]").last.click()
    assert "تسجيل الخروج" in page.content(), "the admin could not sign in"
    return page


def test_the_theme_editor_on_a_phone_is_accessible_and_refuses_unreadable_colours(
    live_sila: LiveSila, new_page: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = _sign_in_admin(live_sila, new_page)
    page.goto(live_sila.url("jamoum", "/staff/theme/"))
    _assert_arabic(page)
    expect(page.locator("h1")).to_have_text("مظهر صفحات الجمعية")
    expect(page.locator("#contrast")).to_contain_text("مقروء")  # the live check of the saved colours
    _check(page, "jamoum-theme-editor")
    # Yellow with white text: the live preview warns, and saving is refused beside the field.
    page.fill("#id_brand", "#ffdd00")
    expect(page.locator("#contrast")).to_contain_text("منخفض: يلزم ٤٫٥:١ على الأقل")
    with page.expect_navigation():
        page.get_by_role("button", name="حفظ المظهر").click()
    expect(page.locator("#err_brand_ink")).to_contain_text("وأقل ما يُقبل ٤٫٥:١")
    expect(page.locator("#id_brand")).to_have_value("#ffdd00")  # what was typed is kept
    _check(page, "jamoum-theme-editor-refused")
    _english(page)
    expect(page.locator("h1")).to_have_text("Appearance of the association's pages")
    _check(page, "jamoum-theme-editor", lang="en")


STAFF_SCREENS = {
    "reception": ("/staff/", "/staff/beneficiaries/", "/staff/duplicates/", "/staff/cases/new"),
    "committee1": ("/staff/committee/",),
    # (The association admin signs in with a second factor; the manager sees the policy screens.)
    "manager": ("/staff/policy/", "/staff/satisfaction/"),
}


def test_main_staff_screens_have_no_serious_accessibility_violations(
    live_sila: LiveSila, new_page: Any
) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    for prefix, paths in STAFF_SCREENS.items():
        page = _sign_in(live_sila, new_page, prefix)
        for path in paths:
            page.goto(live_sila.url("jamoum", path))
            _assert_arabic(page)
            violations = axe_serious(page)
            if violations:
                found[path] = violations
        if prefix == "reception":
            page.goto(live_sila.url("jamoum", "/staff/"))
            with page.expect_navigation():
                page.locator("a[href*='/staff/cases/']").first.click()
            violations = axe_serious(page)
            if violations:
                found["case page"] = violations
            page.screenshot(path=str(ARTIFACTS / "site-jamoum-staff-case-page-ar.png"), full_page=True)
    assert found == {}
