"""The access log covers the lists that show beneficiaries' data (the inbox, the registry and its
search, the committee's queue, on screens and through the API) and the attestation data: each page
shown is one row naming the records on it, written with one insert however long the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection as django_connection
from django.test.utils import CaptureQueriesContext

from casework.models import Beneficiary, SupportCase
from casework.privacy.export import export_data
from casework.privacy.models import AccessLogEntry
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Api, Staff, open_case, register
from tests.casework.test_casework_flow import take_step
from tests.casework.test_casework_screens import body, browser

pytestmark = pytest.mark.django_db

NAMES = ("نوال بنت سعيد الحربي", "خالد بن فهد العتيبي", "سارة بنت علي القحطاني")


def _logged(tenant: Association, via: str) -> list[tuple[str, str, list[int], list[int]]]:
    connection.set_tenant(tenant)
    return [
        (row.user_email, row.action, row.listed_beneficiaries, row.listed_cases)
        for row in AccessLogEntry.objects.filter(via=via).order_by("id")
    ]


def _people(staff: Staff) -> tuple[list[Beneficiary], list[SupportCase]]:
    people = [register(staff.reception, name=name, phone=f"055123400{i}") for i, name in enumerate(NAMES)]
    cases = [open_case(staff.reception, person) for person in people[:2]]
    return people, cases


def test_each_page_of_a_list_is_one_row_naming_the_records_it_showed(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    people, cases = _people(staff)
    first, second, third = (p.pk for p in people)
    reception = browser(alpha, staff.reception)
    assert reception.get("/staff/").status_code == 200
    assert reception.get("/staff/beneficiaries/").status_code == 200
    assert reception.get("/staff/beneficiaries/", {"q": "خالد"}).status_code == 200
    assert reception.get("/staff/beneficiaries/", {"q": "لا أحد بهذا الاسم"}).status_code == 200
    api = Api(alpha, staff.administration)
    assert api.get("/api/v1/cases/").status_code == 200
    assert api.get("/api/v1/cases/", page_size=1, before_id=cases[1].pk + 1).status_code == 200
    assert api.get("/api/v1/beneficiaries/", q="سارة").status_code == 200
    assert api.get("/api/v1/beneficiaries/", q="لا أحد بهذا الاسم").status_code == 200

    reception_email, manager = "reception@alpha.test", "manager@alpha.test"
    newest_first = [cases[1].pk, cases[0].pk]
    assert _logged(alpha, "screen:inbox") == [(reception_email, "list", [second, first], newest_first)]
    # The registry, then its search; a search that found no one read no one's data: no row.
    assert _logged(alpha, "screen:beneficiaries") == [
        (reception_email, "list", [third, second, first], []),
        (reception_email, "list", [second], []),
    ]
    assert _logged(alpha, "api:cases") == [
        (manager, "list", [second, first], newest_first),
        (manager, "list", [second], [cases[1].pk]),  # the keyset page of one
    ]
    assert _logged(alpha, "api:beneficiaries") == [(manager, "list", [third], [])]
    assert AccessLogEntry.objects.filter(action="list").count() == 6

    # The admin sees the lists a person appeared on, with the other reads of their record.
    admin = Api(alpha, staff.admin)
    shown = admin.get("/api/v1/privacy/access-log/", beneficiary=first).json()
    assert [(r["via"], r["action"], r["listed_beneficiaries"]) for r in shown] == [
        ("api:cases", "list", [second, first]),
        ("screen:beneficiaries", "list", [third, second, first]),
        ("screen:inbox", "list", [second, first]),
    ]
    page = body(browser(alpha, staff.admin).get("/staff/privacy/"))
    assert "عرض في قائمة: 3 سجلات · سجل المستفيدين" in page
    assert "عرض في قائمة: سجل واحد · قائمة المستفيدين في الواجهة البرمجية" in page

    # The person's access export has those rows, naming only their own record and request.
    connection.set_tenant(alpha)
    exported = export_data(Beneficiary.objects.get(pk=first))["privacy.accesslogentry"]
    assert sorted((r["via"], r["listed_beneficiaries"], r["listed_cases"]) for r in exported) == [
        ("api:cases", [first], [cases[0].pk]),
        ("screen:beneficiaries", [first], []),
        ("screen:inbox", [first], [cases[0].pk]),
    ]


def test_the_committee_queue_and_the_attestation_data_are_logged(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    people, cases = _people(staff)
    in_review = cases[0]
    while in_review.step != "committee_review":
        in_review = take_step(in_review, staff)
    member = browser(alpha, staff.committee[0])
    queue = member.get("/staff/committee/")
    assert queue.status_code == 200
    assert [row["case"].pk for row in queue.context["rows"]] == [in_review.pk]
    attestation = Api(alpha, staff.reception).get(f"/api/v1/cases/{cases[1].pk}/attestation/")
    assert attestation.status_code == 200

    assert _logged(alpha, "screen:committee") == [
        ("committee1@alpha.test", "list", [people[0].pk], [in_review.pk])
    ]
    read = AccessLogEntry.objects.get(via="api:case-attestation")
    assert (read.user_email, read.action, read.beneficiary_id, read.case_id) == (
        "reception@alpha.test",
        "view",
        people[1].pk,
        cases[1].pk,
    )


def _queries(api: Api, path: str, **params: Any) -> tuple[int, list[str]]:
    with CaptureQueriesContext(django_connection) as captured:
        answer = api.get(path, **params)
    assert answer.status_code == 200, answer.content
    sql = [q["sql"] for q in captured.captured_queries]
    return len(sql), [s for s in sql if s.startswith('INSERT INTO "privacy_accesslogentry"')]


def test_a_list_is_logged_with_one_insert_whatever_the_page_size(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.SILA_ROUTING_RECHECK_SECONDS = 3600  # routing's periodic check is not the list's cost
    for index in range(12):
        open_case(
            staff.reception, register(staff.reception, name=NAMES[index % 3], phone=f"05512345{index:02d}")
        )
    api = Api(alpha, staff.reception)
    for path in ("/api/v1/cases/", "/api/v1/beneficiaries/"):
        api.get(path)  # warm up what a process loads once
        small, small_inserts = _queries(api, path, page_size=2)
        large, large_inserts = _queries(api, path, page_size=12)
        # The session, its user, its roles, the count, the page, and one insert into the log.
        assert (small, large) == (6, 6), path
        assert (len(small_inserts), len(large_inserts)) == (1, 1), path
    # A search that finds no one: the session, user, roles and count; no page to read, no row.
    with django_assert_num_queries(4):
        api.get("/api/v1/beneficiaries/", q="لا أحد بهذا الاسم")
    connection.set_tenant(alpha)
    sizes = sorted(len(row.listed_beneficiaries) for row in AccessLogEntry.objects.filter(action="list"))
    assert sizes == [2, 2, 12, 12, 12, 12]  # each list: the warm-up (25 a page: all 12), 2, 12


def test_the_access_log_filter_is_a_record_id(alpha: Association, staff: Staff) -> None:
    admin = Api(alpha, staff.admin)
    for bad in ("abc", "0", "-3", "", "99999999999999999999"):
        answer = admin.get("/api/v1/privacy/access-log/", beneficiary=bad)
        assert answer.status_code == 400, bad
        assert "beneficiary" in answer.json()["errors"], bad


def test_the_new_requests_search_and_the_duplicates_lists_are_logged(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    kept = register(staff.reception, name="محمد عبدالله الحماد", phone="0551234567")
    twin = register(staff.reception, name="محمد بن عبد الله الحماد", phone="0551234567")
    reception = browser(alpha, staff.reception)
    assert reception.get("/staff/cases/new", {"q": "الحماد"}).status_code == 200
    assert reception.get("/staff/cases/new").status_code == 200  # no search: no one shown
    assert reception.get("/staff/duplicates/").status_code == 200
    assert Api(alpha, staff.reception).get("/api/v1/duplicates/").status_code == 200

    assert _logged(alpha, "screen:new-request") == [("reception@alpha.test", "list", [twin.pk, kept.pk], [])]
    # The flag names the newer record first, then the one it resembles.
    assert _logged(alpha, "screen:duplicates") == [("reception@alpha.test", "list", [twin.pk, kept.pk], [])]
    assert _logged(alpha, "api:duplicates") == [("reception@alpha.test", "list", [twin.pk, kept.pk], [])]
