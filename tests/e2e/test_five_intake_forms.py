"""Each founding association's reception opens a request through its own intake form, in Chromium:
the new-request screen finds the applicant by name, shows the questions of that association's
policy (orphan care asks for the father's death date, health care for the diagnosis...), refuses
a form left empty with the errors beside the fields, and the request opened shows that policy's
own checklist. Tabuk's policy, printed without an approval, is first recorded as approved on paper.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from sila.demo_intake import SAMPLES
from tests.e2e.conftest import ARTIFACTS, ROOT, LiveSila
from tests.e2e.intake import fill_intake

# slug: (sector, a question only its form asks, a document only its checklist asks for)
ASSOCIATIONS = {
    "rumaila": ("social_services", "نوع المساعدة المطلوبة", "عقد الإيجار الموثّق من منصة إيجار"),
    "jamoum": ("orphan_care", "تاريخ وفاة الأب", "شهادة وفاة الأب"),
    "mawsam": ("social_development", "أعلى مؤهل دراسي", "وصف المشروع ودراسة جدواه المبسطة"),
    "tabuk": (
        "health_care",
        "التشخيص كما في التقرير الطبي",
        "تقرير طبي حديث (لا يتجاوز ستة أشهر) من جهة العلاج",
    ),
    "baraa": ("education", "المدرسة أو الجامعة", "تعريف بالطالب من جهة الدراسة للفصل الحالي"),
}
APPROVE_TABUK = """
from casework import services as casework
from casework.models import Beneficiary
from casework.validators import luhn_valid
from policy_engine import services
from policy_engine.models import PolicyVersion
from policy_engine.selectors import policy_version_in_force
from tenants.db import connection
from tenants.models import Association

connection.set_tenant(Association.objects.get(slug="tabuk"))
if policy_version_in_force() is None:
    version = PolicyVersion.objects.order_by("-number").first()
    services.policy_approval_record_paper(
        actor=None,
        number=version.number,
        signatories=[{"name": "رئيس مجلس الإدارة", "role_ar": "رئيس مجلس الإدارة"}],
        date_gregorian=version.created_at.date(),
    )
if not Beneficiary.objects.exists():
    national_id = next(f"110000000{d}" for d in "0123456789" if luhn_valid(f"110000000{d}"))
    casework.beneficiary_register(
        actor=None, national_id=national_id, full_name_ar="محمد بن عبدالله الحربي", phone="0551230000"
    )
"""


def _sign_in(live_sila: LiveSila, new_page: Any, slug: str) -> Page:
    login = live_sila.login(slug, "reception")
    page: Page = new_page()
    page.goto(live_sila.url(slug, "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    assert "تسجيل الخروج" in page.content(), f"{slug}: reception could not sign in"
    return page


@pytest.mark.parametrize("slug", list(ASSOCIATIONS))
def test_each_association_opens_a_request_through_its_own_form(
    slug: str, live_sila: LiveSila, new_page: Any
) -> None:
    if slug == "tabuk":
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", APPROVE_TABUK],
            env=live_sila.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
    sector, question, document = ASSOCIATIONS[slug]
    page = _sign_in(live_sila, new_page, slug)
    page.goto(live_sila.url(slug, "/staff/cases/new"))
    expect(page.locator("h1")).to_have_text("فتح طلب دعم")
    # Found by name (Arabic spelling variants ignored), never by an internal number.
    page.fill("input[name=q]", "محمد الحربي")
    with page.expect_navigation():
        page.get_by_role("button", name="ابحث", exact=True).click()
    with page.expect_navigation():
        page.locator("ul.matches a").first.click()
    opening = page.locator("form:has(select[name=channel])")
    expect(opening).to_contain_text(question)
    others = {q for other, (_s, q, _d) in ASSOCIATIONS.items() if other != slug} - {question}
    for other_question in sorted(others):
        expect(opening).not_to_contain_text(other_question)

    # Sent with only the channel: every required question is marked, nothing is opened.
    channel = opening.locator("select[name=channel] option").nth(1).get_attribute("value")
    assert channel
    opening.locator("select[name=channel]").select_option(channel)
    with page.expect_navigation():
        opening.get_by_role("button", name="فتح الطلب", exact=True).click()
    expect(page.locator(".errorlist").first).to_contain_text("هذا الحقل مطلوب.")
    opening = page.locator("form:has(select[name=channel])")
    fill_intake(opening, SAMPLES[sector])
    opening.locator("input[name=notice_given]").check()
    with page.expect_navigation():
        opening.get_by_role("button", name="فتح الطلب", exact=True).click()
    assert "/staff/cases/" in page.url and not page.url.endswith("/new"), page.url
    expect(page.locator(".messages")).to_contain_text("فُتح الطلب.")
    expect(page.locator("main")).to_contain_text(document)
    expect(page.locator("ol.case-steps li[aria-current=step]")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"intake-{slug}.png"), full_page=True)
