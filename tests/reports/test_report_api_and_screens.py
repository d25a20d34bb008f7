"""The summary API, the dashboard, its exports and the board report: who may read them, bad
input refused in the reader's language, and what the files hold."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from openpyxl import load_workbook

from accounts.models import User
from audit.models import AuditEvent
from casework.models import SupportCase
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Api, Staff, install_policy
from tests.conftest import PASSWORD, host_for, totp_code
from tests.reports.test_report_figures import build_march

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def march(alpha: Association, staff: Staff) -> dict[str, SupportCase]:
    install_policy(alpha, "jamoum")
    return build_march(staff)


def signed_in(tenant: Association, user: User) -> Client:
    client = Client(HTTP_HOST=host_for(tenant))
    connection.set_tenant(tenant)
    client.force_login(user)
    return client


def confirmed(client: Client, asked: Any) -> Any:
    """Answer allauth's "confirm it is you" (the authenticator's code, computed here) and follow
    it back to the download."""
    assert asked.status_code == 302
    location = asked["Location"]
    assert location.startswith("/accounts/2fa/reauthenticate/"), location
    back = client.post(location, {"code": totp_code()})
    assert back.status_code == 302, back.content.decode()[:500]
    return client.get(back["Location"])


def test_the_summary_api_answers_with_codes_percentages_and_days(
    march: dict[str, SupportCase], staff: Staff
) -> None:
    response = Api(_alpha(), staff.admin).get("/api/v1/reports/summary/", **MARCH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "kind": "range",
        "calendar": "gregorian",
    }
    assert body["previous_period"] == {"from": "2026-01-29", "to": "2026-02-28"}
    assert body["opened"]["by_channel"] == {"interview": 3, "phone": 2}
    assert body["window"]["within_window_percent"] == 50.0
    assert body["window"]["median_days"] == 4.0
    assert body["satisfaction"]["comments"][0]["case"] == march["a"].pk
    assert "employees" not in body["satisfaction"]
    employees = Api(_alpha(), staff.admin).get("/api/v1/reports/summary/", per_employee="1", **MARCH)
    assert employees.json()["satisfaction"]["employees"] == []


def _alpha() -> Association:
    return Association.objects.get(slug="alpha")


def test_board_members_read_but_not_per_employee_and_others_not_at_all(
    march: dict[str, SupportCase], staff: Staff
) -> None:
    alpha = _alpha()
    board = Api(alpha, staff.outsider, lang="ar")  # the board member
    ok = board.get("/api/v1/reports/summary/", **MARCH)
    assert ok.status_code == 200
    assert "case" not in ok.json()["satisfaction"]["comments"][0]  # no way to the beneficiary
    refused = board.get("/api/v1/reports/summary/", per_employee="1", **MARCH)
    assert refused.status_code == 403
    assert "مدير الجمعية" in refused.json()["detail"]
    assert Api(alpha, staff.administration).get("/api/v1/reports/summary/", **MARCH).status_code == 200
    assert (
        Api(alpha, staff.administration).get("/api/v1/reports/summary/", per_employee="1").status_code == 403
    )
    assert Api(alpha, staff.reception).get("/api/v1/reports/summary/", **MARCH).status_code == 403
    assert Api(alpha, staff.committee[0]).get("/api/v1/reports/summary/", **MARCH).status_code == 403


@pytest.mark.parametrize(
    ("params", "field", "code", "arabic"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to", "reversed", "قبل تاريخ البداية"),
        ({"from": "2010-01-01", "to": "2026-03-01"}, "to", "too_long", "عشر سنوات"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from", "invalid_date", "الهجري ولا الميلادي"),
        ({"from": "1447-13-01", "to": "1447-12-01"}, "from", "invalid_date", "الهجري ولا الميلادي"),
        ({"from": "1/3/2026", "to": "2026-03-01"}, "from", "invalid_date", "سنة-شهر-يوم"),
        ({**MARCH, "channel": "carrier_pigeon"}, "channel", "unknown_channel", "قناة غير معروفة"),
        ({**MARCH, "step": "teleport"}, "step", "unknown_step", "خطوة غير معروفة"),
        ({"period": "quarter", "number": "5", "year": "2026"}, "number", "out_of_range", "من ١ إلى ٤"),
        # schemathesis: a year sent without a period was ignored (200); nothing sent is ignored.
        ({"year": "null"}, "year", "invalid_number", "اكتب رقمًا"),
        ({"per_employee": "null"}, "per_employee", "invalid_flag", "نعم أو لا"),
        ({"number": "13"}, "number", "out_of_range", "من ١ إلى ١٢"),
        ({"year": ""}, "year", "blank", "احذف الحقل"),
        ({"year": "0", "period": "year"}, "year", "out_of_range", "من ١ إلى ٩٩٩٩"),
        ({"period": "fortnight"}, "period", "invalid_period", "شهر أو ربع أو سنة"),
    ],
)
def test_bad_input_is_a_field_level_400_in_the_readers_language(
    alpha: Association, staff: Staff, params: dict[str, str], field: str, code: str, arabic: str
) -> None:
    response = Api(alpha, staff.admin, lang="ar").get("/api/v1/reports/summary/", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["error_codes"][field] == code
    assert arabic in body["errors"][field][0]
    english = Api(alpha, staff.admin, lang="en").get("/api/v1/reports/summary/", **params).json()
    assert english["errors"][field][0].isascii()


def test_hijri_dates_and_periods_are_understood(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.admin)
    by_range = api.get("/api/v1/reports/summary/", **{"from": "1447-09-01", "to": "1447-09-30"}).json()
    assert by_range["period"] == {
        "from": "2026-02-18",
        "to": "2026-03-19",
        "kind": "range",
        "calendar": "hijri",
    }
    month = api.get(
        "/api/v1/reports/summary/", period="month", calendar="hijri", year="1447", number="9"
    ).json()
    assert (month["period"]["from"], month["period"]["to"]) == ("2026-02-18", "2026-03-19")
    assert month["previous_period"] == {"from": "2026-01-20", "to": "2026-02-17"}


def test_another_association_sees_none_of_it(
    march: dict[str, SupportCase], tenant_b: Association, staff: Staff
) -> None:
    connection.set_tenant(tenant_b)
    beta_admin = User.objects.get(email="admin@beta.test")
    body = Api(tenant_b, beta_admin).get("/api/v1/reports/summary/", **MARCH).json()
    assert body["opened"]["total"] == 0
    assert body["satisfaction"]["comments"] == []
    # alpha's admin session means nothing on beta's host
    stranger = Client(HTTP_HOST=host_for(tenant_b))
    connection.set_tenant(_alpha())
    stranger.force_login(staff.admin)
    assert stranger.get("/api/v1/reports/summary/", MARCH).status_code == 401


def test_the_dashboard_draws_every_table_with_links_to_the_inbox(
    march: dict[str, SupportCase], staff: Staff
) -> None:
    alpha = _alpha()
    client = signed_in(alpha, staff.admin)
    page = client.get("/staff/reports/", MARCH, headers={"accept-language": "ar"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") >= 6
    assert 'dir="rtl"' in html
    # The comment's score and date in the page's words and digits: Hijri beside Gregorian.
    comment = re.search(r'<ul class="comments"><li>(.*?)</li>', html, re.S)
    assert comment is not None
    assert '<span class="score">٥ من ٥</span>' in comment.group(1)
    assert "خدمة ممتازة" in comment.group(1)
    assert "هـ — " in comment.group(1)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", comment.group(1))
    # The "waiting at verify" figure links to the inbox filtered to exactly that case.
    link = re.search(r'href="(/staff/\?[^"]*step=verify[^"]*)"', html)
    assert link is not None
    inbox = client.get(link.group(1).replace("&amp;", "&"))
    assert inbox.status_code == 200
    assert f'href="/staff/cases/{march["d"].pk}/"' in inbox.content.decode()
    assert f'href="/staff/cases/{march["e"].pk}/"' not in inbox.content.decode()
    # The overdue figure links to the overdue inbox: request E.
    overdue = re.search(r'href="(/staff/\?[^"]*overdue=on[^"]*)"', html)
    assert overdue is not None
    assert (
        f"/staff/cases/{march['e'].pk}/"
        in client.get(overdue.group(1).replace("&amp;", "&")).content.decode()
    )
    client.post("/i18n/setlang/", {"language": "en", "next": "/staff/reports/"})
    english = client.get("/staff/reports/", MARCH).content.decode()
    assert '<html lang="en" dir="ltr">' in english
    assert "The review window promise" in english


def test_the_board_reads_the_dashboard_without_links_and_bad_input_shows_at_the_field(
    march: dict[str, SupportCase], staff: Staff
) -> None:
    alpha = _alpha()
    board = signed_in(alpha, staff.outsider)
    page = board.get("/staff/reports/", MARCH)
    assert page.status_code == 200
    assert "/staff/?" not in page.content.decode()
    bad = signed_in(alpha, staff.admin).get("/staff/reports/", {"from": "2026-03-31", "to": "2026-03-01"})
    assert bad.status_code == 400
    assert "تاريخ النهاية قبل تاريخ البداية" in bad.content.decode()
    assert signed_in(alpha, staff.reception).get("/staff/reports/").status_code == 403


def test_csv_has_a_bom_and_xlsx_real_numbers_and_dates_right_to_left(
    march: dict[str, SupportCase], staff: Staff
) -> None:
    client = signed_in(_alpha(), staff.admin)
    response = confirmed(client, client.get("/staff/reports/export.csv", {**MARCH, "table": "channels"}))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["القناة", "الطلبات", "الفترة السابقة"]
    assert rows[-1][1:] == ["5", "1"]
    workbook = client.get("/staff/reports/export.xlsx", MARCH)
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content))
    sheet = book["outcomes"]
    assert sheet.sheet_view.rightToLeft is True
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=5, values_only=True)}
    assert values["مقبولة"] == 1
    assert isinstance(values["مقبولة"], int)
    assert sheet["B2"].is_date


def test_the_board_report_is_a_pdf_in_arabic(march: dict[str, SupportCase], staff: Staff) -> None:
    from pypdf import PdfReader

    client = signed_in(_alpha(), staff.outsider)
    response = confirmed(
        client,
        client.get("/staff/reports/board-report.pdf", {"period": "quarter", "year": "2026", "number": "1"}),
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    assert "2026" in text


def test_an_export_asks_who_you_are_first_and_is_audited_with_how(
    march: dict[str, SupportCase], staff: Staff
) -> None:
    client = signed_in(_alpha(), staff.admin)
    asked = client.get("/staff/reports/export.xlsx", MARCH)
    assert asked.status_code == 302  # no file before the code
    location = urlsplit(asked["Location"])
    assert location.path == "/accounts/2fa/reauthenticate/"
    assert parse_qs(location.query)["next"] == ["/staff/reports/export.xlsx?from=2026-03-01&to=2026-03-31"]
    assert not AuditEvent.objects.filter(action="report.exported").exists()
    # A password alone does not confirm someone who holds a second factor.
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert client.get("/staff/reports/export.xlsx", MARCH).status_code == 302
    workbook = confirmed(client, asked)
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    # One confirmation covers the next downloads for a few minutes (a code works only once).
    again = client.get("/staff/reports/export.csv", MARCH)
    assert again.status_code == 200
    exported = list(AuditEvent.objects.filter(action="report.exported").order_by("id"))
    assert [(e.actor_email, e.changes["format"], e.changes["reauthenticated_by"]) for e in exported] == [
        (staff.admin.email, "xlsx", "mfa:totp"),
        (staff.admin.email, "csv", "mfa:totp"),
    ]
    assert exported[0].changes["from"] == "2026-03-01"


def test_an_export_confirmed_more_than_five_minutes_ago_asks_again(
    march: dict[str, SupportCase], staff: Staff
) -> None:
    import time as clock
    from unittest import mock

    client = signed_in(_alpha(), staff.admin)
    assert confirmed(client, client.get("/staff/reports/export.csv", MARCH)).status_code == 200
    later = clock.time() + 301
    with mock.patch("accounts.reauth.time.time", return_value=later):
        assert client.get("/staff/reports/export.csv", MARCH).status_code == 302


def test_the_channel_filter_offers_and_accepts_only_the_policys_channels(
    march: dict[str, SupportCase], staff: Staff
) -> None:
    """Jamoum's policy has branch representatives and no branch offices (Tabuk's): a catalogue
    channel is no option on the dashboard, and the API refuses it."""
    alpha = _alpha()
    html = signed_in(alpha, staff.admin).get("/staff/reports/", MARCH).content.decode()
    select = re.search(r'<select id="r-channel" name="channel">(.*?)</select>', html, re.S)
    assert select is not None
    assert re.findall(r'<option value="(\w*)"', select.group(1)) == [
        "",
        "interview",
        "phone",
        "social_media",
        "letters",
        "help_request",
        "volunteering",
        "website",
        "branch_representatives",
    ]
    api = Api(alpha, staff.admin, lang="en")
    refused = api.get("/api/v1/reports/summary/", channel="branch_offices", **MARCH)
    assert (refused.status_code, refused.json()["error_codes"]) == (400, {"channel": "unknown_channel"})
    assert api.get("/api/v1/reports/summary/", channel="phone", **MARCH).json()["opened"]["by_channel"] == {
        "phone": 2
    }
