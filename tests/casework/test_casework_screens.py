"""The casework staff screens, driven as a browser would: read the forms a page shows, fill them
in, post them. Arabic by default; field errors in the employee's language; stale forms refused."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as django_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from casework import services
from casework.models import (
    Beneficiary,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    ChecklistItem,
    DuplicateFlag,
    SatisfactionRating,
    SupportCase,
)
from policy_engine.models import PolicyVersion
from policy_engine.rules.seeds import load_seed
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import (
    SIGNATURE,
    TINY_PDF,
    Staff,
    install_policy,
    new_national_id,
    open_case,
    register,
)
from tests.casework.test_casework_flow import take_step
from tests.conftest import admin_email, host_for

pytestmark = pytest.mark.django_db


# --- a small browser ----------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page with the values a browser would send: hidden and typed inputs,
    checked boxes and radios, selected options, text areas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"method": a.get("method", "get"), "action": a.get("action", ""), "fields": {}}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in self._first_option:
                self._first_option[self._select] = a.get("value", "")
            if "selected" in a:
                fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select and self._form is not None:
            self._form["fields"].setdefault(self._select, self._first_option.get(self._select, ""))
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data


def forms_of(page: Any) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(page.content.decode())
    return parser.forms


def form_for(page: Any, **match: str) -> dict[str, str]:
    """The fields of the one form on ``page`` whose values include ``match``."""
    found = [
        form["fields"]
        for form in forms_of(page)
        if form["method"].lower() == "post" and all(form["fields"].get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, f"{len(found)} forms match {match} on {page.request['PATH_INFO']}"
    return dict(found[0])


def send(client: Client, page: Any, match: dict[str, str], **fill: Any) -> Any:
    """Fill in the form matching ``match`` on ``page`` and post it to the page's address."""
    data: dict[str, Any] = form_for(page, **match) | fill
    return client.post(page.request["PATH_INFO"], {k: v for k, v in data.items() if v is not None})


def browser(tenant: Association, user: User | None = None, lang: str | None = None) -> Client:
    client = Client(HTTP_HOST=host_for(tenant))
    if user is not None:
        connection.set_tenant(tenant)  # the session row is written in the user's schema
        client.force_login(user)
    if lang:
        client.cookies["sila_language"] = lang
    return client


def body(page: Any) -> str:
    return str(page.content.decode())


def assert_arabic(page: Any) -> None:
    assert page.status_code == 200, page.status_code
    assert '<html lang="ar" dir="rtl">' in body(page)


def reload(case: SupportCase) -> SupportCase:
    connection.set_tenant(Association.objects.get(slug="alpha"))
    return SupportCase.objects.get(pk=case.pk)


def to_step(case: SupportCase, staff: Staff, step: str) -> SupportCase:
    while case.step != step:
        case = take_step(case, staff)
    return case


# --- who sees what ------------------------------------------------------------------------------


def test_every_screen_renders_in_arabic_for_its_roles_and_refuses_the_others(
    alpha: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    case = to_step(open_case(staff.reception), staff, "committee_review")
    beneficiary = case.beneficiary_id
    pages = {
        "inbox": "/staff/",
        "case": f"/staff/cases/{case.pk}/",
        "committee": "/staff/committee/",
        "registry": "/staff/beneficiaries/?q=محمد",
        "beneficiary": f"/staff/beneficiaries/{beneficiary}/",
        "duplicates": "/staff/duplicates/",
        "new": f"/staff/cases/new?beneficiary={beneficiary}",
    }
    allowed = {
        "reception": {"inbox", "case", "registry", "beneficiary", "duplicates", "new"},
        "admin": set(pages),
        "officer": {"inbox", "case", "registry", "beneficiary"},  # the case was referred to them
        # The administration leads the service: it sees every request.
        "administration": {"inbox", "case", "committee", "registry", "beneficiary"},
        "committee": {"inbox", "case", "committee"},
        "outsider": set(),
    }
    users = {
        "reception": staff.reception,
        "admin": staff.admin,
        "officer": staff.officer,
        "administration": staff.administration,
        "committee": staff.committee[0],
        "outsider": staff.outsider,
    }
    for who, user in users.items():
        client = browser(alpha, user)
        for name, url in pages.items():
            page = client.get(url)
            if name in allowed[who]:
                assert_arabic(page)
            else:
                assert page.status_code == 403, (who, name, page.status_code)
                assert "دورك لا يسمح بهذه الصفحة" in body(page)
    anonymous = Client(HTTP_HOST=host_for(alpha))
    for url in pages.values():
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_header_links_the_inbox_and_english_is_complete(
    alpha: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    case = open_case(staff.reception)
    arabic = browser(alpha, staff.reception).get(f"/staff/cases/{case.pk}/")
    assert '<a href="/staff/">صندوق الطلبات</a>' in body(arabic)
    assert "استقبال المستفيد والإجابة على استفساراته" in body(arabic)  # the step, in Arabic
    english = browser(alpha, staff.reception, lang="en").get(f"/staff/cases/{case.pk}/")
    assert '<html lang="en" dir="ltr">' in body(english)
    for text in ("Inbox", "Steps of the policy", "Receive the beneficiary", "Timeline", "Complete this step"):
        assert text in body(english), text
    assert not re.search(r"[\u0600-\u06ff]", _chrome(body(english))), "Arabic left in the English page"


def _chrome(html: str) -> str:
    """The page without its data: names and texts typed in Arabic (set apart in <bdi>), the
    association's name and the switch to Arabic."""
    for pattern in (
        r"<title>.*?</title>",
        r'<a class="brand".*?</a>',
        r'<button name="language".*?</button>',
        r"<bdi[^>]*>.*?</bdi>",
        r'<p class="lead">.*?</p>',
        r'<span class="user">.*?</span>',
        r"<nav>\s*<a[^>]*>Our policy</a>.*?</nav>",
    ):
        html = re.sub(pattern, "", html, flags=re.S)
    return html


def test_another_associations_case_is_not_found(
    alpha: Association, tenant_b: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    case = open_case(staff.reception)
    connection.set_tenant(tenant_b)
    beta_admin = User.objects.get(email=admin_email("beta"))
    beta = browser(tenant_b, beta_admin)
    assert beta.get(f"/staff/cases/{case.pk}/").status_code == 404
    assert beta.get(f"/staff/beneficiaries/{case.beneficiary_id}/").status_code == 404
    refused = beta.post(
        f"/staff/cases/{case.pk}/", {"action": "withdraw", "reason": "x", "expected_revision": case.revision}
    )
    assert refused.status_code == 404
    assert reload(case).status == CaseStatus.OPEN


# --- the inbox ----------------------------------------------------------------------------------


def _inbox_queries(client: Client, url: str = "/staff/") -> tuple[int, Any]:
    with CaptureQueriesContext(django_connection) as captured:
        page = client.get(url)
    assert page.status_code == 200
    return len(captured.captured_queries), page


def test_the_inbox_lists_filters_and_pages_with_constant_queries(
    alpha: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    for index in range(5):
        open_case(staff.reception, register(staff.reception), channel="phone" if index % 2 else "website")
    client = browser(alpha, staff.reception)
    client.get("/staff/")  # warm up what a process loads once
    five, page = _inbox_queries(client)
    assert len(page.context["rows"]) == 5
    connection.set_tenant(alpha)
    for _index in range(20):
        open_case(staff.reception, register(staff.reception), channel="interview")
    client.get("/staff/")  # the test switched schemas meanwhile: let the routing settle again
    twenty_five, page = _inbox_queries(client)
    assert len(page.context["rows"]) == 25
    assert five == twenty_five
    html = body(page)
    assert "الموقع الإلكتروني للجمعية" in html and "المقابلة" in html  # channel labels
    assert "استقبال المستفيد والإجابة على استفساراته" in html  # step label

    connection.set_tenant(alpha)
    for _index in range(5):
        open_case(staff.reception, register(staff.reception), channel="interview")
    client.get("/staff/")
    thirty, page = _inbox_queries(client)
    assert thirty == five and "صفحة 1 من 2" in body(page)
    second = client.get("/staff/?page=2")
    assert len(second.context["rows"]) == 5

    phone = client.get("/staff/?channel=phone").context["rows"]
    assert [row["channel"] for row in phone] == ["الاتصالات الهاتفية"] * 2

    connection.set_tenant(alpha)
    late = to_step(open_case(staff.reception), staff, "committee_review")
    SupportCase.objects.filter(pk=late.pk).update(decision_due=timezone.now() - dt.timedelta(days=1))
    services.case_transition(actor=staff.reception2, case_id=late.pk, action="assign", data={"user": "me"})
    overdue = client.get("/staff/?overdue=on")
    assert [row["case"].pk for row in overdue.context["rows"]] == [late.pk]
    assert "متأخر" in body(overdue)
    assert "هـ" in body(overdue)  # the due date in Hijri, beside the Gregorian one
    step = client.get("/staff/?step=committee_review").context["rows"]
    assert [row["case"].pk for row in step] == [late.pk]
    mine = browser(alpha, staff.reception2).get("/staff/?assigned=me").context["rows"]
    assert [row["case"].pk for row in mine] == [late.pk]


# --- a request from intake to rating, through the forms only ------------------------------------


def test_a_request_goes_through_jamoums_steps_using_only_the_screens(
    alpha: Association, staff: Staff, jamoum: PolicyVersion, media_root: Path
) -> None:
    reception = browser(alpha, staff.reception)

    # Register the beneficiary, with a household member.
    registry = reception.get("/staff/beneficiaries/")
    assert_arabic(registry)
    national_id = new_national_id()
    registered = send(
        reception,
        registry,
        {"household-TOTAL_FORMS": "3"},
        national_id=national_id,
        full_name_ar="سعاد بنت علي القحطاني",
        phone="0551112233",
        **{"household-0-full_name_ar": "فهد القحطاني", "household-0-relation": "son"},
    )
    assert registered.status_code == 302, body(registered)
    beneficiary_page = reception.get(registered["Location"])
    assert "فهد القحطاني" in body(beneficiary_page)

    # Open the request: only Jamoum's channels are offered.
    connection.set_tenant(alpha)
    beneficiary = Beneficiary.objects.get(national_id=national_id)
    # Found on the new-request screen by ID number, with Arabic-Indic digits.
    found = reception.get(
        "/staff/cases/new", {"q": national_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))}
    )
    assert f'href="?beneficiary={beneficiary.pk}"' in body(found)
    new = reception.get(f"/staff/cases/new?beneficiary={beneficiary.pk}")
    channel_select = re.search(r'<select name="channel".*?</select>', body(new), re.S)
    assert channel_select is not None
    offered = re.findall(r'<option value="([^"]+)"', channel_select.group(0))
    assert offered == load_seed("jamoum")["document"]["channels"]
    # Jamoum's own form (orphan care): the father's death date in the Hijri calendar.
    assert 'name="intake.father_death_date"' in body(new)
    assert 'name="intake.orphans[0].full_name"' in body(new)
    refused = send(
        reception,
        new,
        {"beneficiary": str(beneficiary.pk)},
        channel="interview",
        notice_given="on",
        **{"intake.father_death_date": "1443-13-01", "intake.monthly_income": "كثير"},
    )
    assert refused.status_code == 400
    page_text = body(refused)
    assert page_text.count("هذا الحقل مطلوب.") == 5  # relation, orphans, source, housing, need
    assert "اكتب رقمًا." in page_text
    assert "غير موجود في التقويم الهجري" in page_text
    assert 'value="كثير"' in page_text  # what was typed stays
    connection.set_tenant(alpha)
    assert not SupportCase.objects.filter(beneficiary=beneficiary).exists()
    opened = send(
        reception,
        new,
        {"beneficiary": str(beneficiary.pk)},
        channel="interview",
        notice_given="on",
        **{
            "intake.applicant_relation": "mother",
            "intake.father_death_date": "1443-06-15",
            "intake.orphans[0].full_name": "ريم",
            "intake.orphans[0].birth_date.calendar": "gregorian",
            "intake.orphans[0].birth_date": "2013-03-10",
            "intake.orphans[0].gender": "female",
            "intake.monthly_income": "٢١٠٠",
            "intake.income_source": "social_security",
            "intake.housing": "owned",
            "intake.need_description": "كسوة المدارس",
        },
    )
    assert opened.status_code == 302, body(opened)
    case_url = opened["Location"]
    connection.set_tenant(alpha)
    case = SupportCase.objects.get(beneficiary=beneficiary)
    assert case_url == f"/staff/cases/{case.pk}/"
    assert case.assigned_to == staff.reception
    # The case page shows the answers beside the questions of the pinned form.
    opened_page = body(reception.get(case_url))
    assert "<dt>صفة مقدم الطلب</dt><dd><bdi>أم الأيتام</bdi></dd>" in opened_page
    assert (
        "<dt>تاريخ وفاة الأب</dt><dd><bdi>١٥ جمادى الآخرة ١٤٤٣ هـ — ١٨ يناير، ٢٠٢٢</bdi></dd>" in opened_page
    )
    assert "<dt>إجمالي دخل الأسرة الشهري (ريال)</dt><dd><bdi>2100</bdi></dd>" in opened_page

    def page(client: Client = reception) -> Any:
        response = client.get(case_url)
        assert_arabic(response)
        return response

    def act(
        action: str, client: Client = reception, match: dict[str, str] | None = None, **fill: Any
    ) -> None:
        response = send(client, page(client), {"action": action, **(match or {})}, **fill)
        assert response.status_code == 302, body(response)

    # receive and verify: each item verified by the signed-in employee, then the step completed.
    for step in ("receive", "verify"):
        assert reload(case).step == step
        connection.set_tenant(alpha)
        for code in ChecklistItem.objects.filter(case=case, step=step).values_list("code", flat=True):
            act("verify_item", match={"code": code}, note="طابقت الأصل")
        act("complete")
    connection.set_tenant(alpha)
    assert not ChecklistItem.objects.filter(case=case, verified_by__isnull=True).exists()
    assert set(ChecklistItem.objects.filter(case=case).values_list("verified_by", flat=True)) == {
        staff.reception.pk
    }

    # refer: the question goes to the social research officer, who answers it on the same page.
    assert reload(case).step == "refer"
    act("refer", question="هل تشمل المساعدة دعم الإيجار؟")
    officer = browser(alpha, staff.officer)
    assert "هل تشمل المساعدة دعم الإيجار؟" in body(page(officer))
    act("answer_referral", client=officer, answer="نعم، بعد دراسة الحالة.")
    act("complete")

    # attest: the data is shown with its fingerprint; typed name and a drawn signature.
    assert reload(case).step == "attest"
    attest_page = page()
    fields = form_for(attest_page, action="attest")
    assert re.fullmatch(r"[0-9a-f]{64}", fields["data_hash"])
    assert fields["data_hash"] in body(attest_page)
    assert '<canvas id="signature-pad"' in body(attest_page)
    act("attest", typed_name="سعاد القحطاني", signature=SIGNATURE)
    signed = body(page())
    assert "وقّع سعاد القحطاني في" in signed
    assert fields["data_hash"] in signed
    act("complete")
    assert reload(case).step == "committee_review"

    # The data changes after signing: the signature is voided and asked again.
    document = SimpleUploadedFile("lease.pdf", TINY_PDF, content_type="application/pdf")
    uploaded = send(
        reception,
        reception.get(f"/staff/beneficiaries/{beneficiary.pk}/"),
        {"kind": "other"},
        file=document,
        kind="lease",
    )
    assert uploaded.status_code == 302, body(uploaded)
    voided = body(page())
    assert "أُلغي توقيع" in voided
    act("attest", typed_name="سعاد القحطاني", signature=SIGNATURE)

    # committee_review: two of three members vote from their queue (quorum 2), a third decides.
    for member in staff.committee[:2]:
        client = browser(alpha, member)
        queue = client.get("/staff/committee/")
        assert_arabic(queue)
        assert "سعاد بنت علي القحطاني" in body(queue)
        voted = send(client, queue, {"case": str(case.pk)}, choice="accept", reason="الحاجة ثابتة")
        assert voted.status_code == 302, body(voted)
    queue = browser(alpha, staff.committee[2]).get("/staff/committee/")
    assert "اكتمل النصاب" in body(queue)
    act("decide", client=browser(alpha, staff.committee[2]), minutes="قررت اللجنة القبول بالأغلبية.")
    decided = reload(case)
    assert (decided.step, decided.decision.outcome) == ("register", CaseOutcome.ACCEPTED)

    # register, then serve: the service recorded, the request completed, the rating typed in.
    act("complete", registration_number="J-1448-007")
    act("record_service", kind="cash", amount="1500", delivered_on=timezone.localdate().isoformat())
    act("complete")
    connection.set_tenant(alpha)
    served = reload(case).services.get()
    act("rate", service=str(served.pk), score="5", comment="خدمة ممتازة")

    final = reload(case)
    assert (final.status, final.outcome) == (CaseStatus.CLOSED, CaseOutcome.SERVED)
    connection.set_tenant(alpha)
    rating = SatisfactionRating.objects.get(case=final)
    assert (rating.service, rating.score) == (served, 5)
    moves = [
        (e.from_step, e.to_step)
        for e in CaseEvent.objects.filter(case=final).order_by("id")
        if e.from_step != e.to_step
    ]
    steps = [s["step"] for s in jamoum.document["procedure"]]
    assert [to for _from, to in moves] == steps
    closed = body(page())
    assert "قيّم المستفيد خدمة واحدة." in closed
    assert "تقديم الخدمة اللازمة" in closed  # the timeline names the steps


# --- conflicts and bad input --------------------------------------------------------------------


def test_a_stale_form_is_refused_with_a_conflict_and_keeps_what_was_typed(
    alpha: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    case = open_case(staff.reception)
    first, second = browser(alpha, staff.reception), browser(alpha, staff.reception2)
    seen_by_first = first.get(f"/staff/cases/{case.pk}/")
    connection.set_tenant(alpha)
    codes = list(ChecklistItem.objects.filter(case=case, step="receive").values_list("code", flat=True))
    done = send(second, second.get(f"/staff/cases/{case.pk}/"), {"action": "verify_item", "code": codes[0]})
    assert done.status_code == 302

    stale = send(
        first, seen_by_first, {"action": "verify_item", "code": codes[1]}, note="رأيت الهوية الأصلية"
    )
    assert stale.status_code == 409
    html = body(stale)
    assert "غيّر شخص آخر هذا الطلب" in html
    assert "رأيت الهوية الأصلية" in html  # nothing typed is lost
    connection.set_tenant(alpha)
    assert not ChecklistItem.objects.get(case=case, code=codes[1]).verified_at
    assert reload(case).revision == case.revision + 1  # only the second employee's change
    # The form now carries the revision shown: sending it again works.
    again = send(first, stale, {"action": "verify_item", "code": codes[1]})
    assert again.status_code == 302
    connection.set_tenant(alpha)
    assert ChecklistItem.objects.get(case=case, code=codes[1]).verified_by == staff.reception


def test_bad_input_shows_field_errors_in_the_employees_language(
    alpha: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    reception = browser(alpha, staff.reception)
    registry = reception.get("/staff/beneficiaries/")
    bad_id = send(
        reception, registry, {"household-TOTAL_FORMS": "3"}, national_id="1234567890", full_name_ar="خالد"
    )
    assert bad_id.status_code == 400
    html = body(bad_id)
    assert "رقم الهوية غير صحيح" in html
    assert 'value="خالد"' in html  # what was typed stays
    assert bad_id.context["form"].errors["national_id"]

    english = browser(alpha, staff.reception, lang="en")
    in_english = send(
        english, english.get("/staff/beneficiaries/"), {"household-TOTAL_FORMS": "3"}, national_id="12"
    )
    assert "exactly ten digits" in body(in_english)

    connection.set_tenant(alpha)
    existing = register(staff.reception)
    twice = send(
        reception,
        registry,
        {"household-TOTAL_FORMS": "3"},
        national_id=existing.national_id,
        full_name_ar="خالد",
    )
    assert twice.status_code == 400
    assert f'href="/staff/beneficiaries/{existing.pk}/"' in body(twice)

    new = reception.get(f"/staff/cases/new?beneficiary={existing.pk}")
    assert 'value="branch_offices"' not in body(new)  # not a channel of Jamoum's policy
    refused = send(
        reception, new, {"beneficiary": str(existing.pk)}, channel="branch_offices", notice_given="on"
    )
    assert refused.status_code == 400
    assert "سياسة الجمعية النافذة لا تتيح هذه القناة" in body(refused)
    assert refused.context["form"].errors["channel"]
    connection.set_tenant(alpha)
    assert not SupportCase.objects.filter(beneficiary=existing).exists()

    case = open_case(staff.reception, existing)
    missing = send(reception, reception.get(f"/staff/cases/{case.pk}/"), {"action": "complete"})
    assert missing.status_code == 400
    assert "لم يُتحقق بعد من" in body(missing)
    withdraw = send(reception, reception.get(f"/staff/cases/{case.pk}/"), {"action": "withdraw"}, reason="")
    assert withdraw.status_code == 400
    assert withdraw.context["forms"]["withdraw"].errors["reason"] == ["هذا الحقل مطلوب."]
    assert reload(case).status == CaseStatus.OPEN


def test_a_vote_from_the_wrong_role_or_twice_is_refused(
    alpha: Association, staff: Staff, jamoum: PolicyVersion
) -> None:
    case = to_step(open_case(staff.reception), staff, "committee_review")
    reception = browser(alpha, staff.reception)
    forged = reception.post(
        f"/staff/cases/{case.pk}/",
        {"action": "vote", "choice": "accept", "reason": "x", "expected_revision": case.revision},
    )
    assert forged.status_code == 403
    member = browser(alpha, staff.committee[0])
    queue = member.get("/staff/committee/")
    no_reason = send(member, queue, {"case": str(case.pk)}, choice="accept", reason="")
    assert no_reason.status_code == 400
    assert "هذا الحقل مطلوب." in body(no_reason)
    assert send(member, queue, {"case": str(case.pk)}, choice="accept", reason="مستحق").status_code == 302
    page = member.get(f"/staff/cases/{case.pk}/")
    assert "vote" not in page.context["forms"]
    early = send(member, page, {"action": "decide"}, minutes="محضر")
    assert early.status_code == 409
    assert "لم يكتمل نصاب اللجنة" in body(early)


# --- the registry -------------------------------------------------------------------------------


def test_registry_search_and_duplicates_merge_and_dismiss(alpha: Association, staff: Staff) -> None:
    first = register(staff.reception, name="أحمد بن سعيد الغامدي", phone="0501234567")
    second = register(staff.reception, name="احمد بن سعيد الغامدى", phone="0501234567")
    third = register(staff.reception, name="أحمد سعيد الغامدي", phone="0501234567")
    reception = browser(alpha, staff.reception)
    found = reception.get("/staff/beneficiaries/?q=احمد الغامدي")
    names = [b.pk for b in found.context["page"].object_list]
    assert set(names) == {first.pk, second.pk, third.pk}
    assert (
        reception.get(f"/staff/beneficiaries/?q={first.national_id}").context["page"].object_list[0] == first
    )

    duplicates = reception.get("/staff/duplicates/")
    assert_arabic(duplicates)
    connection.set_tenant(alpha)
    flag = DuplicateFlag.objects.get(beneficiary=second, other=first)
    assert "رقما الهوية مختلفان" not in body(duplicates)
    unconfirmed = send(reception, duplicates, {"flag": str(flag.pk), "op": "merge"}, confirm=None)
    assert unconfirmed.status_code == 400
    assert f"رقما الهوية مختلفان ({first.national_id} و{second.national_id})" in body(unconfirmed)
    connection.set_tenant(alpha)
    assert Beneficiary.objects.get(pk=second.pk).merged_into_id is None
    merged = send(reception, duplicates, {"flag": str(flag.pk), "op": "merge"}, confirm="yes")
    assert merged.status_code == 302 and merged["Location"] == f"/staff/beneficiaries/{first.pk}/"
    connection.set_tenant(alpha)
    assert Beneficiary.objects.get(pk=second.pk).merged_into_id == first.pk

    for remaining in DuplicateFlag.objects.filter(status="open"):
        duplicates = reception.get("/staff/duplicates/")
        dismissed = send(reception, duplicates, {"flag": str(remaining.pk), "op": "dismiss"}, note="أخوان")
        assert dismissed.status_code == 302
        connection.set_tenant(alpha)
    connection.set_tenant(alpha)
    assert not DuplicateFlag.objects.filter(status="open").exists()


def test_a_non_document_upload_is_a_field_error(alpha: Association, staff: Staff, media_root: Path) -> None:
    beneficiary = register(staff.reception)
    reception = browser(alpha, staff.reception)
    page = reception.get(f"/staff/beneficiaries/{beneficiary.pk}/")
    bad = send(
        reception,
        page,
        {"kind": "other"},
        file=SimpleUploadedFile("x.txt", b"hello", content_type="text/plain"),
        kind="other",
    )
    assert bad.status_code == 400
    assert "يُقبل ملف PDF أو صورة PNG/JPEG فقط" in body(bad)


def test_the_beneficiary_edit_screen_saves_the_record_and_household_and_refuses_a_stale_page(
    alpha: Association, staff: Staff
) -> None:
    beneficiary = register(staff.reception, household=[{"full_name_ar": "سعد", "relation": "son"}])
    reception = browser(alpha, staff.reception)
    detail = reception.get(f"/staff/beneficiaries/{beneficiary.pk}/")
    assert f'href="/staff/beneficiaries/{beneficiary.pk}/edit"' in body(detail)
    edit = reception.get(f"/staff/beneficiaries/{beneficiary.pk}/edit")
    assert_arabic(edit)
    assert 'value="سعد"' in body(edit)

    seen = re.search(r'name="seen" value="([^"]+)"', body(edit))
    assert seen is not None
    saved = send(
        reception,
        edit,
        {"seen": seen.group(1)},
        full_name_ar="محمد بن عبدالله الحماد الجديد",
        phone="0559876543",
        **{
            "household-0-full_name_ar": "",
            "household-0-relation": "",
            "household-1-full_name_ar": "ليلى",
            "household-1-relation": "daughter",
        },
    )
    assert saved.status_code == 302, body(saved)
    connection.set_tenant(alpha)
    beneficiary.refresh_from_db()
    assert (beneficiary.full_name_ar, beneficiary.phone_e164) == (
        "محمد بن عبدالله الحماد الجديد",
        "+966559876543",
    )
    assert [(m.full_name_ar, m.relation) for m in beneficiary.household.all()] == [("ليلى", "daughter")]

    # The old page, sent again after that save: refused, nothing overwritten.
    stale = send(reception, edit, {"seen": seen.group(1)}, full_name_ar="اسم قديم")
    assert stale.status_code == 409
    assert "غيّر شخص آخر هذا السجل بعد أن فتحته" in body(stale)
    connection.set_tenant(alpha)
    beneficiary.refresh_from_db()
    assert beneficiary.full_name_ar == "محمد بن عبدالله الحماد الجديد"


@pytest.mark.parametrize(
    ("slug", "absent_channel", "absent_steps"),
    [("tabuk", "help_request", ("attest", "register")), ("jamoum", "branch_offices", ())],
)
def test_the_inbox_offers_only_the_policys_steps_and_channels(
    alpha: Association, staff: Staff, slug: str, absent_channel: str, absent_steps: tuple[str, ...]
) -> None:
    version = install_policy(alpha, slug)
    page = body(browser(alpha, staff.reception).get("/staff/"))

    def options(name: str) -> list[str]:
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
        assert select is not None
        return [code for code in re.findall(r'<option value="([^"]*)"', select.group(0)) if code]

    document = version.document
    assert options("step") == [s["step"] for s in document["procedure"]]
    assert options("channel") == [c if isinstance(c, str) else c["code"] for c in document["channels"]]
    assert absent_channel not in options("channel")
    assert not set(absent_steps) & set(options("step"))


def test_the_inbox_finds_requests_by_name_id_or_mobile(
    alpha: Association, staff: Staff, jamoum: object
) -> None:
    first = register(staff.reception, name="هيا بنت ناصر الدوسري", phone="0551110001")
    second = register(staff.reception, name="سلمان بن فهد المطيري", phone="0551110002")
    cases = {b.pk: open_case(staff.reception, b).pk for b in (first, second)}
    reception = browser(alpha, staff.reception)

    def found(query: str) -> list[int]:
        return [row["case"].pk for row in reception.get("/staff/", {"q": query}).context["rows"]]

    assert found("هيا الدوسري") == [cases[first.pk]]
    assert found("سلمان") == [cases[second.pk]]
    assert found(second.national_id) == [cases[second.pk]]
    assert found("0551110001") == [cases[first.pk]]
    assert found("لا أحد") == []


@pytest.mark.parametrize(("slug", "offered"), [("rumaila", False), ("jamoum", True)])
def test_the_support_request_form_is_a_document_kind_only_where_the_policy_lists_it(
    alpha: Association, staff: Staff, slug: str, offered: bool
) -> None:
    install_policy(alpha, slug)  # Rumaila's policy lists no staff tools; Jamoum's lists the form
    beneficiary = register(staff.reception)
    page = body(browser(alpha, staff.reception, "en").get(f"/staff/beneficiaries/{beneficiary.pk}/"))
    kinds = re.search(r'<select name="kind"[^>]*>(.*?)</select>', page, re.S)
    assert kinds is not None
    values = re.findall(r'<option value="(\w+)"', kinds.group(1))
    expected = [
        "national_id",
        "income_proof",
        "lease",
        *(["support_request_form"] if offered else []),
        "other",
    ]
    assert values == expected


def test_a_date_answer_kept_as_typed_still_shows_in_both_calendars(alpha: Association, staff: Staff) -> None:
    """Older demo data kept a Hijri date as it was typed; the case page reads it, never a 500."""
    install_policy(alpha, "jamoum")
    case = open_case(staff.reception)
    raw = {**case.intake, "father_death_date": {"calendar": "hijri", "date": "1443-06-15"}}
    SupportCase.objects.filter(pk=case.pk).update(intake=raw)
    page = browser(alpha, staff.reception, "en").get(f"/staff/cases/{case.pk}/")
    assert page.status_code == 200
    text = body(page)
    assert "1443" in text and "2022" in text and "1443-06-15" not in text
