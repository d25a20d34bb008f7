"""The inbox by keyset (?before_id=): the same rows as page numbers, no count, constant queries."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection as django_connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Association
from tests.casework.conftest import Api, Staff, open_case, register

pytestmark = pytest.mark.django_db


def test_keyset_pages_walk_the_same_rows_as_page_numbers(
    alpha: Association, staff: Staff, rumaila: object, settings: Any
) -> None:
    settings.SILA_ROUTING_RECHECK_SECONDS = 3600
    opened = [open_case(staff.reception, register(staff.reception)).pk for _ in range(12)]
    api = Api(alpha, staff.reception)
    api.get("/api/v1/cases/")  # warm up

    by_number: list[int] = []
    for page in (1, 2, 3):
        by_number += [
            row["id"] for row in api.get("/api/v1/cases/", page_size=5, page=page).json()["results"]
        ]
    assert by_number == sorted(opened, reverse=True)

    with CaptureQueriesContext(django_connection) as numbered:
        api.get("/api/v1/cases/", page_size=5)
    by_keyset: list[int] = []
    before = str(by_number[0] + 1)
    counts: list[int] = []
    while True:
        with CaptureQueriesContext(django_connection) as captured:
            answer = api.get("/api/v1/cases/", page_size=5, before_id=before)
        assert answer.status_code == 200, answer.content
        counts.append(len(captured.captured_queries))
        body = answer.json()
        assert body["count"] is None and body["previous"] is None
        by_keyset += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        before = parse_qs(urlparse(body["next"]).query)["before_id"][0]
    assert by_keyset == by_number
    # One query fewer than a numbered page (no count), the same for every page.
    assert counts == [len(numbered.captured_queries) - 1] * 3


def test_a_bad_before_id_is_a_field_error(alpha: Association, staff: Staff) -> None:
    answer = Api(alpha, staff.reception).get("/api/v1/cases/", before_id="abc")
    assert answer.status_code == 400
    assert "before_id" in answer.json()["errors"]
