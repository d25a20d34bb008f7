"""Factories for the policy tests: people with roles in alpha, board members, drafts from seeds,
and API clients signed in as someone, speaking a language.

Everything is created in alpha's schema (beta only where a test says so) and rolled back with
the test. Helpers switch the connection to the schema they write in; a test that reads the ORM
after an API call sets the schema it means first.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.client import MULTIPART_CONTENT
from pytest_django.fixtures import Settings

from accounts.models import Role, RoleCode, User
from policy_engine import services
from policy_engine.models import BoardMember, BoardRole, PolicyVersion
from policy_engine.rules.seeds import load_seed
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, admin_email, enrol_if_required, host_for

# The smallest file that is a PDF by its signature; the services sniff content, not names.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_document(slug: str = "rumaila") -> dict[str, Any]:
    """A fresh, mutable copy of a seed profile's policy document."""
    return copy.deepcopy(load_seed(slug)["document"])


def make_user(
    tenant: Association,
    email: str,
    *roles: str,
    full_name: str = "",
    is_staff: bool = True,
    password: str = PASSWORD,
) -> User:
    """A user in ``tenant``'s schema holding ``roles`` (association roles are rows of that schema)."""
    connection.set_tenant(tenant)
    user = User.objects.create_user(email, password, full_name=full_name or email, is_staff=is_staff)
    if roles:
        user.roles.add(*Role.objects.filter(code__in=roles))
    return enrol_if_required(user)


def make_board_member(
    tenant: Association, user: User | None, name_ar: str, role: str = BoardRole.MEMBER
) -> BoardMember:
    connection.set_tenant(tenant)
    return BoardMember.objects.create(user=user, name_ar=name_ar, name_en="", role=role)


class Api:
    """A test client on one association's host, signed in as ``user`` (or anonymous), sending
    ``Accept-Language: lang`` unless a call says otherwise. JSON in, JSON out."""

    def __init__(self, tenant: Association, user: User | None = None, lang: str = "ar") -> None:
        self.tenant = tenant
        self.user = user
        self.lang = lang
        self.client = Client(HTTP_HOST=host_for(tenant))
        if user is not None:
            # The session row is written in the schema the connection is on: the user's own.
            connection.set_tenant(tenant)
            self.client.force_login(user)

    def _headers(self, lang: str | None) -> dict[str, str]:
        return {"accept-language": lang or self.lang}

    def get(self, path: str, *, lang: str | None = None, **params: Any) -> Any:
        return self.client.get(path, params, headers=self._headers(lang))

    def post(self, path: str, data: Any = None, *, lang: str | None = None) -> Any:
        return self.client.post(
            path,
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers=self._headers(lang),
        )

    def put(self, path: str, data: Any, *, lang: str | None = None) -> Any:
        return self.client.put(
            path, json.dumps(data), content_type="application/json", headers=self._headers(lang)
        )

    def multipart(self, path: str, data: dict[str, Any], *, lang: str | None = None) -> Any:
        return self.client.post(path, data, content_type=MULTIPART_CONTENT, headers=self._headers(lang))


@dataclass
class People:
    """Alpha's staff for the policy tests. The board has three active members (quorum: 2)."""

    admin: User
    admin2: User
    reception: User
    chair: User
    member1: User
    member2: User
    outsider: User  # signed in, no role at all
    chair_seat: BoardMember
    seat1: BoardMember
    seat2: BoardMember


@pytest.fixture
def people(tenant_a: Association) -> People:
    connection.set_tenant(tenant_a)
    admin = User.objects.get(email=admin_email("alpha"))
    admin2 = make_user(tenant_a, "admin2@alpha.test", RoleCode.ASSOCIATION_ADMIN, full_name="مدير ثان")
    reception = make_user(
        tenant_a, "reception@alpha.test", RoleCode.RECEPTION_EMPLOYEE, full_name="موظف الاستقبال"
    )
    chair = make_user(tenant_a, "chair@alpha.test", RoleCode.BOARD_MEMBER, full_name="رئيس المجلس")
    member1 = make_user(tenant_a, "member1@alpha.test", RoleCode.BOARD_MEMBER, full_name="عضو أول")
    member2 = make_user(tenant_a, "member2@alpha.test", RoleCode.BOARD_MEMBER, full_name="عضو ثان")
    outsider = make_user(tenant_a, "nobody@alpha.test", full_name="بلا دور", is_staff=False)
    return People(
        admin=admin,
        admin2=admin2,
        reception=reception,
        chair=chair,
        member1=member1,
        member2=member2,
        outsider=outsider,
        chair_seat=make_board_member(tenant_a, chair, "منذر الرئيس", BoardRole.CHAIR),
        seat1=make_board_member(tenant_a, member1, "سلمى العضو"),
        seat2=make_board_member(tenant_a, member2, "خالد العضو"),
    )


@pytest.fixture
def api(tenant_a: Association) -> Any:
    """``api(user=None, lang="ar", tenant=alpha)``: a client on that association's host."""

    def make(user: User | None = None, lang: str = "ar", tenant: Association | None = None) -> Api:
        return Api(tenant or tenant_a, user, lang)

    return make


@pytest.fixture
def draft(tenant_a: Association, people: People) -> PolicyVersion:
    """Version 1 of alpha: a draft of Rumaila's policy, created by alpha's admin."""
    connection.set_tenant(tenant_a)
    return services.policy_version_create_draft(actor=people.admin, document=seed_document("rumaila"))


@pytest.fixture
def submitted(tenant_a: Association, people: People, draft: PolicyVersion) -> PolicyVersion:
    connection.set_tenant(tenant_a)
    return services.policy_version_submit(actor=people.admin, number=draft.number)


def vote(tenant: Association, user: User, number: int, choice: str = "approve") -> None:
    connection.set_tenant(tenant)
    services.board_vote_cast(actor=user, number=number, choice=choice, reauthenticate=lambda: "mfa:totp")


@pytest.fixture
def media_root(settings: Settings, tmp_path: Path) -> Iterator[Path]:
    """Uploads go to a temporary MEDIA_ROOT. django-tenants' storage caches its tenant root and
    forgets it only when MULTITENANT_RELATIVE_MEDIA_ROOT changes, so that is set too."""
    settings.MEDIA_ROOT = tmp_path
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "tenants/%s"
    yield tmp_path
