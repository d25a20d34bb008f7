"""The new association's "what to do next" checklist: each item links to the page where it is
done (a page the new admin can open) and is ticked by what that page leaves behind."""

from __future__ import annotations

import html
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from accounts.models import RoleCode, User
from accounts.team import invitation_create
from policy_engine.models import PolicyVersion
from policy_engine.services import policy_version_update_draft
from policy_engine.services.board import board_member_save
from signup import services
from signup.models import Signup
from tenants.db import connection
from tenants.models import Association
from tests.conftest import TOTP_SECRET
from themes.services import theme_save

ITEM = re.compile(r'<li class="card( done)?"><strong>(?:✓ )?<a href="([^"]+)">([^<]+)</a>')


def _checklist(site: Client) -> list[tuple[str, str, bool]]:
    page = site.get("/welcome/")  # in Arabic, the association's default
    assert page.status_code == 200
    return [(html.unescape(t), href, bool(done)) for done, href, t in ITEM.findall(page.content.decode())]


@pytest.fixture
def new_site(verified_signup: Signup) -> tuple[Client, Association, User]:
    services.signup_provision(signup_id=verified_signup.pk)
    association = Association.objects.get(slug="nour")
    connection.set_tenant(association)
    admin = User.objects.get(email="admin@nour.test")
    TOTP.activate(admin, TOTP_SECRET)
    site = Client(HTTP_HOST="nour.localhost")
    site.force_login(admin)  # sessions live in the association's schema
    connection.set_schema_to_public()
    return site, association, admin


def test_every_item_links_to_the_page_where_it_is_done(new_site: tuple[Client, Association, User]) -> None:
    site, _association, _admin = new_site
    items = _checklist(site)
    assert items == [
        ("كيّف مسودة سياستك", "/staff/policy/1/edit", False),
        ("أضف أعضاء مجلس الإدارة", "/staff/policy/board/", False),
        ("ادعُ موظفيك", "/staff/team/", False),
        ("اختر مظهر موقعك", "/staff/theme/", False),
        ("اعتمد السياسة من مجلس الإدارة", "/staff/policy/1/", False),
    ]
    for _title, href, _done in items:
        assert site.get(href, HTTP_ACCEPT_LANGUAGE="en").status_code == 200, href


def test_the_plan_item_appears_with_billing_and_links_to_the_billing_page(
    new_site: tuple[Client, Association, User], stripe_on: object
) -> None:
    site, _association, _admin = new_site
    plan = [item for item in _checklist(site) if item[1] == "/staff/billing/"]
    assert plan == [("راجع خطتك", "/staff/billing/", False)]
    assert site.get("/staff/billing/").status_code == 200


def test_each_item_is_ticked_by_what_its_page_leaves_behind(
    new_site: tuple[Client, Association, User],
) -> None:
    site, association, admin = new_site
    connection.set_tenant(association)
    draft = PolicyVersion.objects.get()
    policy_version_update_draft(actor=admin, number=draft.number, document=draft.document, revision=1)
    board_member_save(actor=admin, name_ar="عبدالله الحربي", role="chair")
    invitation_create(
        actor=admin,
        email="staff@nour.test",
        roles=[RoleCode.RECEPTION_EMPLOYEE],
        reauthenticate=lambda: "test",
    )
    connection.set_schema_to_public()
    theme_save(
        schema_name=association.schema_name, brand="#0f6e5a", brand_ink="#ffffff", default_language="ar"
    )
    page = site.get("/welcome/").content.decode()
    assert "أُنجز 4 من 5." in page
    assert page.count('<span class="badge">تمت</span>') == 4
    assert [(href, done) for _title, href, done in _checklist(site)] == [
        ("/staff/policy/1/edit", True),
        ("/staff/policy/board/", True),
        ("/staff/team/", True),
        ("/staff/theme/", True),
        ("/staff/policy/1/", False),
    ]
