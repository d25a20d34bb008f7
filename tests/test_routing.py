"""Host names route to the platform or to one association; the lookup is cached and invalidated."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants import routing
from tenants.models import Association, AssociationStatus, Domain, RoutingEpoch

pytestmark = pytest.mark.django_db


def test_platform_host_serves_the_platform_site(platform_client: Client) -> None:
    response = platform_client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'dir="rtl"' in body
    assert "جمعية ألفا الخيرية" in body  # the platform lists the associations


def test_association_host_serves_its_home_page_with_its_arabic_name(
    client_a: Client, client_b: Client
) -> None:
    body_a = client_a.get("/").content.decode()
    body_b = client_b.get("/").content.decode()
    assert "جمعية ألفا الخيرية" in body_a and "جمعية بيتا الخيرية" not in body_a
    assert "جمعية بيتا الخيرية" in body_b and "جمعية ألفا الخيرية" not in body_b


@pytest.mark.parametrize("host", ["nobody.localhost", "alpha.other-domain.test", "localhost.evil.test"])
def test_unknown_hosts_get_a_clear_404_page(host: str) -> None:
    response = Client(HTTP_HOST=host).get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "الموقع غير موجود" in body
    assert host.split(":")[0] in body


def test_host_normalisation() -> None:
    assert routing.normalise_host("Alpha.LocalHost:8000") == "alpha.localhost"
    assert routing.normalise_host("www.alpha.localhost") == "alpha.localhost"
    assert routing.normalise_host("alpha.localhost.") == "alpha.localhost"


def test_custom_domain_routes_to_its_association(tenant_a: Association) -> None:
    Domain.objects.create(domain="care.alpha-charity.test", tenant=tenant_a, is_primary=False)
    response = Client(HTTP_HOST="care.alpha-charity.test").get("/")
    assert response.status_code == 200
    assert "جمعية ألفا الخيرية" in response.content.decode()


def test_suspended_association_reads_but_refuses_writes_and_archived_is_gone(tenant_a: Association) -> None:
    tenant_a.status = AssociationStatus.SUSPENDED
    tenant_a.save()
    client = Client(HTTP_HOST="alpha.localhost")
    assert client.get("/").status_code == 200
    refused = client.post("/api/v1/cases/", {}, content_type="application/json")
    assert refused.status_code == 423
    assert refused.json()["code"] == "association_suspended"
    tenant_a.status = AssociationStatus.ARCHIVED
    tenant_a.save()
    assert Client(HTTP_HOST="alpha.localhost").get("/").status_code == 410


def test_route_lookup_is_cached_in_process(client_a: Client) -> None:
    client_a.get("/")  # warm the route
    with CaptureQueriesContext(connection) as queries:
        client_a.get("/")
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]


def test_route_cache_is_invalidated_when_a_domain_changes(
    tenant_a: Association, tenant_b: Association
) -> None:
    Domain.objects.create(domain="moving.test", tenant=tenant_a)
    assert "جمعية ألفا الخيرية" in Client(HTTP_HOST="moving.test").get("/").content.decode()
    Domain.objects.filter(domain="moving.test").update(tenant=tenant_b)  # bulk update: no signal
    domain = Domain.objects.get(domain="moving.test")
    domain.save()  # a save (as the admin screens do) bumps the routing epoch
    assert "جمعية بيتا الخيرية" in Client(HTTP_HOST="moving.test").get("/").content.decode()
    domain.delete()
    assert Client(HTTP_HOST="moving.test").get("/").status_code == 404


def test_other_processes_see_changes_through_the_epoch(tenant_a: Association, settings: object) -> None:
    Domain.objects.create(domain="epoch.test", tenant=tenant_a)
    assert routing.resolve("epoch.test") is not None
    # Another process deletes the domain: its signal cannot reach us, only the shared counter does.
    Domain.objects.filter(domain="epoch.test").delete()  # queryset delete sends post_delete per row...
    routing._routes["epoch.test"] = routing.Route(association=tenant_a)  # ...so re-plant a stale route
    routing._epoch = routing._current_epoch()  # this process has read the counter as it is now...
    # ...when another process bumps it, exactly as its signal handler does.
    assert RoutingEpoch.objects.filter(pk=1).update(value=F("value") + 1) == 1
    routing._checked_at = time.monotonic()
    assert routing.resolve("epoch.test") is not None  # within the re-check interval: the stale route
    routing._checked_at = float("-inf")  # the re-check interval has passed
    assert routing.resolve("epoch.test") is None


def test_route_cache_keeps_only_the_most_recently_used_hosts(
    tenant_a: Association, tenant_b: Association, settings: object
) -> None:
    settings.SILA_ROUTING_CACHE_SIZE = 2  # type: ignore[attr-defined]
    Domain.objects.create(domain="one.test", tenant=tenant_a)
    Domain.objects.create(domain="two.test", tenant=tenant_b)
    routing.clear()
    assert routing.resolve("alpha.localhost") is not None
    assert routing.resolve("one.test") is not None
    assert routing.resolve("alpha.localhost") is not None  # alpha is now the most recently used
    assert routing.resolve("two.test") is not None  # ... so one.test is pushed out, not alpha
    assert routing.cached_hosts() == ["alpha.localhost", "two.test"]
    # A host pushed out still routes: it is looked up again (one query) and cached anew.
    with CaptureQueriesContext(connection) as queries:
        route = routing.resolve("one.test")
    assert route is not None and route.association == tenant_a
    assert len([q for q in queries.captured_queries if "tenants_domain" in q["sql"]]) == 1
    assert routing.cached_hosts() == ["two.test", "one.test"]
