"""A Jamoum request from intake to rating, in Chromium, through the real pages only.

Each actor signs in through the login form in their own browser context, in Arabic: reception
registers the beneficiary and opens the request, verifies the checklists, refers a question that
the social research officer answers, takes the applicant's typed name and drawn signature; two
committee members vote from their queue and a third records the decision; reception registers and
serves the request; the worker texts the beneficiary a rating link, and the beneficiary rates the
service from it. The case page is kept as a screenshot in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from typing import Any

from playwright.sync_api import Locator, Page, expect

from sila.demo_intake import SAMPLES
from tests.e2e.conftest import ARTIFACTS, LiveSila
from tests.e2e.intake import fill_intake

SLUG = "jamoum"
STEPS = {
    "receive": "استقبال المستفيد والإجابة على استفساراته",
    "verify": "التأكد من اكتمال المعلومات ومطابقة البيانات",
    "refer": "الإحالة لتوضيح الإجراءات",
    "attest": "توقيع مقدم الطلب على صحة البيانات",
    "committee_review": "دراسة الطلب والرد بالقبول أو الرفض",
    "register": "استكمال إجراءات التسجيل",
    "serve": "تقديم الخدمة اللازمة",
}
NAME = "نورة بنت سالم الحربي"
QUESTION = "هل يشمل الدعم رسوم المدارس للأيتام؟"
ANSWER = "نعم، بعد دراسة الحالة الاجتماعية."
SMS_WAIT_SECONDS = 30


def _national_id() -> str:
    """A valid Saudi ID number (first digit 1, Luhn check digit) unlikely to be in the demo."""
    nine = "1" + "".join(random.choice("0123456789") for _ in range(8))
    for check in "0123456789":
        total = 0
        for index, char in enumerate(reversed(nine + check)):
            digit = int(char) * (2 if index % 2 else 1)
            total += digit - 9 if digit > 9 else digit
        if total % 10 == 0:
            return nine + check
    raise AssertionError("unreachable")


def _assert_arabic(page: Page) -> None:
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl"), page.url


def _sign_in(live_sila: LiveSila, new_page: Any, prefix: str) -> Page:
    login = live_sila.login(SLUG, prefix)
    page: Page = new_page()
    page.goto(live_sila.url(SLUG, "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    assert "تسجيل الخروج" in page.content(), f"{prefix} could not sign in"
    _assert_arabic(page)
    return page


def _submit(page: Page, form: Locator, button: str) -> None:
    """Press the form's button (its Arabic text) and land on a page without errors."""
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name=button, exact=True).click()
    response = navigation.value
    errors = page.locator(".message-error, .form-errors, .errorlist")
    detail = errors.all_inner_texts() if errors.count() else ""
    assert response is not None and response.status == 200, (response and response.status, detail)
    assert not detail, detail
    _assert_arabic(page)


def _action(page: Page, action: str, **match: str) -> Locator:
    """The form on the case page that sends ``action`` (and carries the ``match`` hidden values)."""
    selector = f"form:has(input[name=action][value={action}])"
    for name, value in match.items():
        selector += f":has(input[name={name}][value='{value}'])"
    return page.locator(selector)


def _expect_step(page: Page, step: str) -> None:
    """The case page shows ``step`` as the current one, in the steps list and in 'This step'."""
    _assert_arabic(page)
    expect(page.locator("ol.case-steps li[aria-current=step]")).to_have_text(STEPS[step])
    expect(page.locator("#complete h2")).to_have_text(f"الخطوة الحالية: {STEPS[step]}")
    expect(page.locator("h1 .badge-open")).to_have_text(STEPS[step])


def _complete(page: Page, then: str, **fill: str) -> None:
    form = _action(page, "complete")
    for name, value in fill.items():
        form.locator(f"[name={name}]").fill(value)
    _submit(page, form, "إتمام هذه الخطوة")
    expect(page.locator(".messages")).to_contain_text("أُتمّت الخطوة.")
    _expect_step(page, then)


def _draw_signature(page: Page) -> None:
    canvas = page.locator("#signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.15, y + h * 0.6)
    page.mouse.down()
    for step in range(1, 25):
        t = step / 24
        page.mouse.move(x + w * (0.15 + 0.7 * t), y + h * (0.6 - 0.3 * ((step % 6) / 5)), steps=2)
    page.mouse.up()


def _satisfaction_link(live_sila: LiveSila, phone: str) -> tuple[str, str]:
    """The rating link texted to ``phone`` once the worker has sent it, and the follow link."""
    deadline = time.monotonic() + SMS_WAIT_SECONDS
    while True:
        bodies = [m["body"] for m in live_sila.text_messages() if m["to"] == phone]
        rate = [m for b in bodies for m in re.findall(r"/r/[\w-]+", b)]
        if rate:
            track = [m for b in bodies for m in re.findall(r"/t/[\w-]+", b)]
            assert track, bodies  # the request-received SMS came first, with its follow link
            return rate[-1], track[-1]
        assert time.monotonic() < deadline, f"no satisfaction SMS to {phone} in {SMS_WAIT_SECONDS}s: {bodies}"
        time.sleep(0.5)


def _expected_due(start: dt.datetime, end: dt.datetime) -> set[str]:
    """How the page writes the decision due date (Hijri — Gregorian), for a submission between
    ``start`` and ``end``: Jamoum's policy gives the committee two weeks."""
    from django.utils import translation

    from policy_engine.rules.engine import PolicyEngine
    from policy_engine.rules.seeds import load_seed
    from themes.templatetags.sila import dual_date

    engine = PolicyEngine.from_dict(load_seed(SLUG)["document"])
    with translation.override("ar"):
        return {dual_date(engine.decision_due(moment)) for moment in (start, end)}


def test_a_jamoum_request_from_intake_to_rating_in_arabic(live_sila: LiveSila, new_page: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    national_id = _national_id()
    mobile = "05" + national_id[2:10]  # 05 and eight digits: unique with the ID number
    phone_e164 = "+966" + mobile[1:]

    # --- Reception registers the beneficiary, with a household member. ---------------------------
    reception = _sign_in(live_sila, new_page, "reception")
    reception.goto(live_sila.url(SLUG, "/staff/beneficiaries/"))
    _assert_arabic(reception)
    expect(reception.locator("h1")).to_have_text("المستفيدون")
    register = reception.locator("#register form")
    register.locator("input[name=national_id]").fill(national_id)
    register.locator("input[name=full_name_ar]").fill(NAME)
    register.locator("input[name=phone]").fill(mobile)
    register.locator("input[name=city]").fill("الجموم")
    register.locator("details.household summary").click()
    register.locator("input[name='household-0-full_name_ar']").fill("سالم الحربي")
    register.locator("select[name='household-0-relation']").select_option("son")
    _submit(reception, register, "تسجيل")
    expect(reception.locator("h1")).to_have_text(NAME)
    expect(reception.locator(".messages")).to_contain_text("سُجّل المستفيد.")
    expect(reception.get_by_text(phone_e164)).to_be_visible()

    # --- ... and opens the request through one of Jamoum's channels. -----------------------------
    with reception.expect_navigation():
        reception.get_by_role("link", name="فتح طلب", exact=True).click()
    _assert_arabic(reception)
    expect(reception.locator("h1")).to_have_text("فتح طلب دعم")
    opening = reception.locator("form:has(select[name=channel])")
    channels = opening.locator("select[name=channel] option").evaluate_all("os => os.map(o => o.value)")
    assert "interview" in channels and "branch_representatives" in channels, channels
    assert "branch_offices" not in channels  # Tabuk's channel, not in Jamoum's policy
    opening.locator("select[name=channel]").select_option("interview")
    expect(opening.locator("input[name=assign_to_me]")).to_be_checked()
    # Jamoum's own form (orphan care): what the applicant says about the orphans.
    expect(opening).to_contain_text("تاريخ وفاة الأب")
    fill_intake(opening, SAMPLES["orphan_care"])
    # The privacy notice was given, and the applicant agrees to be texted (the rating link below).
    opening.locator("input[name=notice_given]").check()
    opening.locator("input[name=consents][value=sms]").check()
    _submit(reception, opening, "فتح الطلب")
    found = re.search(r"/staff/cases/(\d+)/$", reception.url)
    assert found, reception.url
    case_path = found.group(0)
    expect(reception.locator(".messages")).to_contain_text("فُتح الطلب.")
    expect(reception.locator("h1")).to_contain_text(f"الطلب {found.group(1)}")
    expect(reception.locator(".case-facts")).to_contain_text("المقابلة")
    _expect_step(reception, "receive")
    expect(reception.locator("ol.case-steps li")).to_have_text(list(STEPS.values()))

    # --- receive, verify: every item verified by the employee, then the step completed. ----------
    for step, following in (("receive", "verify"), ("verify", "refer")):
        items = _action(reception, "verify_item")
        assert items.count() >= 1, f"no checklist item to verify in {step}"
        while items.count():
            form = items.first
            form.locator("input[name=note]").fill("طابقتُ الأصل")
            _submit(reception, form, "تحققتُ منه")
            expect(reception.locator(".messages")).to_contain_text("سُجّل التحقق من البند باسمك.")
        expect(reception.locator("#checklist > table.checklist tr.is-todo")).to_have_count(0)
        _complete(reception, following)

    # --- refer: the question goes to the social research officer, who answers it. ---------------
    expect(reception.locator("#referral h2")).to_have_text("الإحالة: مسئول البحث الاجتماعي")
    refer = _action(reception, "refer")
    refer.locator("textarea[name=question]").fill(QUESTION)
    _submit(reception, refer, "إحالة السؤال")
    _expect_step(reception, "refer")

    officer = _sign_in(live_sila, new_page, "research")
    officer.goto(live_sila.url(SLUG, "/staff/?step=refer"))
    _assert_arabic(officer)
    with officer.expect_navigation():
        officer.locator(f"a[href='{case_path}']").first.click()
    _expect_step(officer, "refer")
    expect(officer.locator("#referral")).to_contain_text(QUESTION)
    answer = _action(officer, "answer_referral")
    answer.locator("textarea[name=answer]").fill(ANSWER)
    _submit(officer, answer, "إرسال الإجابة")
    expect(officer.locator("#referral")).to_contain_text(ANSWER)

    reception.reload()
    expect(reception.locator("#referral")).to_contain_text(ANSWER)
    _complete(reception, "attest")

    # --- attest: the applicant types their name and draws their signature. -----------------------
    expect(reception.locator("#attestation h2")).to_have_text("إقرار مقدم الطلب")
    attest = _action(reception, "attest")
    expect(attest).to_contain_text(NAME)  # the data shown to the applicant
    data_hash = attest.locator("input[name=data_hash]").input_value()
    assert re.fullmatch(r"[0-9a-f]{64}", data_hash), data_hash
    attest.locator("input[name=typed_name]").fill("نورة الحربي")
    _draw_signature(reception)
    signature = attest.locator("input[name=signature]").input_value()
    assert signature.startswith("data:image/png;base64,"), signature[:40]
    _submit(reception, attest, "تسجيل التوقيع")
    signed = reception.locator("#attestation .attested")
    expect(signed).to_contain_text("نورة الحربي")
    expect(signed.locator(".badge-ok")).to_have_text("ساري")
    expect(signed.locator("img.signature")).to_be_visible()
    expect(signed.locator("code")).to_have_text(data_hash)
    before = dt.datetime.now(dt.UTC)
    _complete(reception, "committee_review")
    after = dt.datetime.now(dt.UTC)

    # The decision is due two weeks on, in Hijri and Gregorian.
    due = reception.locator(".case-facts dl div:has(dt:text-is('موعد القرار')) .due")
    due_text = due.inner_text()
    assert due_text in _expected_due(before, after), due_text
    assert re.fullmatch(r"[٠-٩]+ \S.* [٠-٩]{4} هـ — \d{1,2} \S+ \d{4}", due_text), due_text
    expect(reception.locator("#complete .todo")).to_have_text("بانتظار قرار جهة البتّ.")

    # --- committee_review: two members vote from their queue (quorum 2), a third decides. --------
    for prefix in ("committee1", "committee2"):
        member = _sign_in(live_sila, new_page, prefix)
        member.goto(live_sila.url(SLUG, "/staff/committee/"))
        _assert_arabic(member)
        expect(member.locator("h1")).to_have_text("طلبات بانتظار القرار")
        queued = member.locator("article.queue-item", has=member.locator(f"a[href='{case_path}']"))
        expect(queued).to_contain_text(NAME)
        expect(queued.locator(".due")).to_have_text(due_text)
        vote = queued.locator("form.vote-form")
        vote.locator("input[name=choice][value=accept]").check()
        vote.locator("textarea[name=reason]").fill("الحاجة ثابتة والأسرة تعول أيتامًا")
        _submit(member, vote, "الإدلاء بصوتي")
        expect(member.locator(".messages")).to_contain_text("سُجّل صوتك")
        queued = member.locator("article.queue-item", has=member.locator(f"a[href='{case_path}']"))
        expect(queued).to_contain_text("صوّتَّ على هذا الطلب.")

    chair = _sign_in(live_sila, new_page, "committee3")
    chair.goto(live_sila.url(SLUG, "/staff/committee/"))
    queued = chair.locator("article.queue-item", has=chair.locator(f"a[href='{case_path}']"))
    expect(queued.locator(".badge-ok")).to_have_text("اكتمل النصاب")
    with chair.expect_navigation():
        queued.get_by_role("link", name="افتح الطلب لتسجيل القرار").click()
    _expect_step(chair, "committee_review")
    decide = _action(chair, "decide")
    decide.locator("textarea[name=minutes]").fill("اجتمعت اللجنة وقررت قبول الطلب بالأغلبية.")
    _submit(chair, decide, "تسجيل القرار")
    _expect_step(chair, "register")
    expect(chair.locator("#committee .decision")).to_contain_text("(النصاب 2)")

    reception.reload()
    _expect_step(reception, "register")
    expect(reception.locator("#committee .decision strong")).to_have_text("مقبولة")
    expect(due).to_have_text(due_text)
    reception.screenshot(path=str(ARTIFACTS / "e2e-jamoum-case.png"), full_page=True)

    # --- register, serve: the registration number, the service, the request completed. ----------
    _complete(reception, "serve", registration_number="J-1448-042")
    service = _action(reception, "record_service")
    service.locator("select[name=kind]").select_option("cash")
    service.locator("input[name=amount]").fill("1500")
    assert service.locator("input[name=delivered_on]").input_value()  # today, filled in
    _submit(reception, service, "تسجيل الخدمة")
    expect(reception.locator("#services ul.services")).to_contain_text("دعم نقدي")
    _submit(reception, _action(reception, "complete"), "إتمام هذه الخطوة")
    expect(reception.locator("h1 .badge-closed")).to_have_text("تمت خدمتها")
    expect(reception.locator("ol.case-steps li[aria-current=step]")).to_have_count(0)
    expect(reception.locator("ol.case-steps li.done")).to_have_count(len(STEPS))

    # --- The worker texts the beneficiary a rating link; they rate the service from it. ----------
    rate_path, track_path = _satisfaction_link(live_sila, phone_e164)
    beneficiary = new_page(width=390, height=844)
    beneficiary.goto(live_sila.url(SLUG, track_path))
    _assert_arabic(beneficiary)
    beneficiary.goto(live_sila.url(SLUG, rate_path))
    _assert_arabic(beneficiary)
    expect(beneficiary.locator("h1")).to_have_text("كيف كانت خدمتنا؟")
    rating = beneficiary.locator("form.rating-form")
    rating.locator("input[name=score][value='5']").check()
    rating.locator("textarea[name=comment]").fill("خدمة ممتازة وتعامل راقٍ، شكرًا لكم.")
    beneficiary.screenshot(path=str(ARTIFACTS / "e2e-jamoum-rating.png"), full_page=True)
    _submit(beneficiary, rating, "إرسال التقييم")
    expect(beneficiary.locator("h1")).to_have_text("شكرًا لتقييمكم")
    expect(beneficiary.locator("main, body").first).to_contain_text("يصل رأيكم إلى الجمعية")
    beneficiary.screenshot(path=str(ARTIFACTS / "e2e-jamoum-rated.png"), full_page=True)

    # --- The case's timeline now shows the rating. ------------------------------------------------
    reception.reload()
    _assert_arabic(reception)
    expect(reception.locator("#timeline li").last).to_contain_text("قُيّمت الخدمة")
    expect(reception.locator("#rating")).to_contain_text("قيّم المستفيد خدمة واحدة")
    expect(_action(reception, "rate")).to_have_count(0)
    reception.screenshot(path=str(ARTIFACTS / "e2e-jamoum-case-rated.png"), full_page=True)
