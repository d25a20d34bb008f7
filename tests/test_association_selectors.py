"""The console's association list: search by name, slug or host, keyset pages, one query a page."""

from __future__ import annotations

import pytest
from django.test.utils import CaptureQueriesContext

from tenants.db import connection
from tenants.models import Association, Domain
from tenants.selectors import associations_page, associations_search

pytestmark = pytest.mark.django_db


def test_search_finds_by_arabic_name_english_name_slug_and_host(
    tenant_a: Association, tenant_b: Association
) -> None:
    Domain.objects.create(domain="beta-charity.example", tenant=tenant_b)
    assert [a.slug for a in associations_search(query="ألفا")] == ["alpha"]
    assert [a.slug for a in associations_search(query="BETA CHAR")] == ["beta"]
    assert [a.slug for a in associations_search(query="charity.example")] == ["beta"]
    assert [a.slug for a in associations_search(query="alp")] == ["alpha"]
    assert list(associations_search(query="لا يوجد")) == []
    found = associations_search(query="alpha").get()
    assert found.primary_domain == "alpha.localhost"


def test_pages_follow_the_slug_and_cost_one_query_each(tenant_a: Association) -> None:
    for index in range(7):
        slug = f"page-{index}"
        association = Association.objects.create(
            slug=slug, schema_name=f"page_{index}", name_ar=f"جمعية {index}", name_en=f"Page {index}"
        )
        Domain.objects.create(domain=f"{slug}.localhost", tenant=association, is_primary=True)
    slugs: list[str] = []
    after = ""
    counts: list[int] = []
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = associations_page(query="page", after=after, size=3)
            hosts = [row.primary_domain for row in page.rows]
        counts.append(len(queries.captured_queries))
        assert hosts == [f"{row.slug}.localhost" for row in page.rows]
        slugs += [row.slug for row in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert slugs == [f"page-{i}" for i in range(7)]
    assert counts == [1, 1, 1]
