"""Isolation on every operation, generated: each API operation in the OpenAPI schema and each
staff screen in the URL map is called with alpha's real ids, on alpha's host, as someone who must
not get in. Any 2xx outside the public operations fails. A new operation or screen is covered
without anyone writing a test for it; one whose id this grid cannot fill fails until it is taught.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from accounts.models import User
from casework import services
from casework.models import DuplicateFlag
from casework.portal.services import reference_for
from casework.privacy import rights
from casework.privacy.models import Breach
from policy_engine.models import BoardMember, PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import TINY_PDF, Staff, make_user, open_case, register
from tests.conftest import host_for

pytestmark = pytest.mark.django_db

# Operations anyone may call (declared `security: [{}]` in the schema is checked too).
PUBLIC_OPERATIONS = {
    ("GET", "/api/v1/meta"),
    ("GET", "/api/v1/policy/effective"),
    # The beneficiary's side: applying and asking for / checking a sign-in code need no account.
    ("POST", "/api/v1/public/applications/"),
    ("POST", "/api/v1/public/otp/"),
    ("POST", "/api/v1/public/otp/verify/"),
    # The association's privacy notice in force, as its public /privacy/ page shows it.
    ("GET", "/api/v1/public/privacy-notice"),
}
# Screens anyone may open: the public policy, the beneficiary's secret links.
PUBLIC_SCREENS = {"policy-public", "policy-public-pdf", "policy-document", "portal-track", "portal-rate"}
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with {placeholders}


def api_operations() -> list[Operation]:
    schema = SchemaGenerator(urlconf="sila.urls.tenant").get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            public = {} in op.get("security", [{"x": []}])
            assert public == ((method.upper(), path) in PUBLIC_OPERATIONS), (method, path, "public?")
            found.append(Operation(method.upper(), path))
    return found


def staff_screens() -> list[tuple[str, str]]:
    """(name, route) of every screen under /staff/ in an association's URL map."""
    screens: list[tuple[str, str]] = []

    def walk(patterns: Any, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("staff/"):
                screens.append((pattern.name or route, route))

    walk(get_resolver("sila.urls.tenant").url_patterns, "")
    return screens


@dataclass
class World:
    ids: dict[str, int | str]
    version: int


@pytest.fixture
def world(alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any) -> World:
    """Alpha's objects, one of each kind an id in a path can name."""
    case = open_case(staff.reception)
    first = register(staff.reception, name="فاطمة علي الزهراني", phone="0551111111")
    second = register(staff.reception, name="فاطمة علي الزهراني", phone="0552222222")
    flag = DuplicateFlag.objects.filter(
        beneficiary__in=[first, second]
    ).first() or DuplicateFlag.objects.create(beneficiary=second, other=first, reason="name")
    token, _ = services.api_token_create(user=staff.admin, name="alpha's own")
    seat = BoardMember.objects.create(name_ar="مقعد شاغر", name_en="", role="member")
    with TestCase.captureOnCommitCallbacks(execute=True):  # the document's file is written on commit
        document = services.beneficiary_document_upload(
            actor=staff.reception, beneficiary_id=first.pk, upload=SimpleUploadedFile("id.pdf", TINY_PDF)
        )
    rights_request = rights.rights_request_open(actor=staff.admin, kind="access", beneficiary_id=first.pk)
    rights.rights_request_fulfil(actor=staff.admin, request_id=rights_request.pk)
    return World(
        ids={
            "cases": case.pk,
            "beneficiaries": first.pk,
            "duplicates": flag.pk,
            "tokens": token.pk,
            "versions": rumaila.number,
            "documents": document.pk,
            "rights-requests": rights_request.pk,
            "breaches": Breach.objects.create(
                what_happened="x", data_affected="y", people_affected=1, found_at=rights_request.received_at
            ).pk,
            "staff": staff.reception.pk,
            "seats": seat.pk,
            # The beneficiary's own requests are named by their tracking reference.
            "requests": reference_for(case).reference,
        },
        version=rumaila.number,
    )


def fill(path: str, world: World) -> str:
    def one(match: re.Match[str]) -> str:
        segment = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        assert segment in world.ids, f"{path}: the isolation grid has no real id for {segment!r}; add one"
        return str(world.ids[segment])

    return re.sub(r"\{[^}]+\}", one, path)


def fill_route(route: str, world: World) -> str:
    def one(match: re.Match[str]) -> str:
        segment = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        key = {"cases": "cases", "beneficiaries": "beneficiaries", "policy": "versions"}.get(segment, segment)
        key = key if key in world.ids else ""
        assert key, f"/{route}: the isolation grid has no real id for {segment!r}; add one"
        return str(world.ids[key])

    return "/" + re.sub(r"<(?:\w+:)?\w+>", one, route)


@dataclass
class Intruders:
    """Who must not get in: each a (name, client, headers) on alpha's host."""

    clients: list[tuple[str, Client, dict[str, str]]]


@pytest.fixture
def intruders(alpha: Association, tenant_b: Association, world: World) -> Intruders:
    host = host_for(alpha)
    # Beta's administrator, with a token and a session of their own association.
    connection.set_tenant(tenant_b)
    beta_admin = User.objects.get(email="admin@beta.test")
    _, beta_token = services.api_token_create(user=beta_admin, name="beta")
    beta_browser = Client(HTTP_HOST=host_for(tenant_b))
    beta_browser.force_login(beta_admin)
    beta_cookie = beta_browser.cookies["sila_session"].value
    # Alpha's deactivated account, whose token was made while it was active.
    connection.set_tenant(alpha)
    gone = make_user(alpha, "gone@alpha.test", "association_admin")
    _, gone_token = services.api_token_create(user=gone, name="gone")
    gone_browser = Client(HTTP_HOST=host)
    gone_browser.force_login(gone)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    # Alpha's signed-in account with no role at all.
    nobody = make_user(alpha, "nobody@alpha.test")
    _, nobody_token = services.api_token_create(user=nobody, name="nobody")
    nobody_browser = Client(HTTP_HOST=host)
    nobody_browser.force_login(nobody)

    stolen_cookie = Client(HTTP_HOST=host)
    stolen_cookie.cookies["sila_session"] = beta_cookie
    return Intruders(
        clients=[
            ("anonymous", Client(HTTP_HOST=host), {}),
            ("beta's token", Client(HTTP_HOST=host), {"authorization": f"Bearer {beta_token}"}),
            ("beta's session", stolen_cookie, {}),
            ("deactivated token", Client(HTTP_HOST=host), {"authorization": f"Bearer {gone_token}"}),
            ("deactivated session", gone_browser, {}),
            ("no role, token", Client(HTTP_HOST=host), {"authorization": f"Bearer {nobody_token}"}),
            ("no role, session", nobody_browser, {}),
        ]
    )


# What a signed-in account of the association may do with no role: its own tokens and reading the
# policy it is bound by (staff acknowledge it). Everything else needs a role.
ANY_SIGNED_IN = {
    ("GET", "/api/v1/tokens/"),
    ("POST", "/api/v1/tokens/"),
    ("DELETE", "/api/v1/tokens/{id}/"),
}


def test_the_grid_covers_every_operation_and_screen() -> None:
    operations = api_operations()
    assert len(operations) >= 33
    assert {op.path for op in operations} >= {"/api/v1/cases/{id}/", "/api/v1/policy/versions/{number}/"}
    assert len(staff_screens()) >= 20


def test_no_intruder_gets_a_2xx_from_any_api_operation(
    alpha: Association, world: World, intruders: Intruders
) -> None:
    leaks: list[str] = []
    tried = 0
    for op in api_operations():
        if (op.method, op.path) in PUBLIC_OPERATIONS:
            continue
        url = fill(op.path, world)
        for name, client, headers in intruders.clients:
            if name.startswith("no role") and (op.method, op.path) in ANY_SIGNED_IN:
                continue
            connection.set_schema_to_public()
            response = client.generic(op.method, url, "{}", content_type="application/json", headers=headers)
            tried += 1
            if 200 <= response.status_code < 300:
                leaks.append(f"{name}: {op.method} {url} -> {response.status_code}")
            assert response.status_code < 500, f"{name}: {op.method} {url} -> {response.status_code}"
    assert tried >= 33 * 5
    assert leaks == []


def test_alpha_own_admin_does_get_in(alpha: Association, staff: Staff, world: World) -> None:
    """The grid's calls are real: the same URLs answer 2xx to alpha's own administrator."""
    client = Client(HTTP_HOST=host_for(alpha))
    client.force_login(staff.admin)
    for path in ("/api/v1/cases/{id}/", "/api/v1/beneficiaries/{id}/", "/api/v1/policy/versions/{number}/"):
        connection.set_schema_to_public()
        assert client.get(fill(path, world)).status_code == 200, path
    for name, route in staff_screens():
        if "<" in route and name in ("staff-case", "staff-beneficiary", "policy-staff-detail"):
            connection.set_schema_to_public()
            assert client.get(fill_route(route, world)).status_code == 200, name


def test_no_intruder_opens_a_staff_screen(alpha: Association, world: World, intruders: Intruders) -> None:
    leaks: list[str] = []
    for name, route in staff_screens():
        assert name not in PUBLIC_SCREENS
        url = fill_route(route, world)
        for who, client, headers in intruders.clients:
            if headers:  # a token is for the API; screens go by session
                continue
            for method in ("GET", "POST"):
                connection.set_schema_to_public()
                response = client.generic(method, url, headers=headers)
                if 200 <= response.status_code < 300:
                    leaks.append(f"{who}: {method} {url} -> {response.status_code}")
                assert response.status_code < 500, f"{who}: {method} {url} -> {response.status_code}"
    assert leaks == []
