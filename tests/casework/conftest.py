"""Factories for the casework tests: alpha's staff in every casework role, a seed policy in force,
beneficiaries with valid ID numbers, and API clients signed in (session or token).

Everything is written in alpha's schema (beta only where a test says so) and rolled back with the
test. Helpers switch the connection to the schema they write in.
"""

from __future__ import annotations

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
from casework import selectors, services
from casework.models import Beneficiary, SupportCase
from policy_engine import services as policy_services
from policy_engine.models import PolicyStatus, PolicyVersion
from policy_engine.selectors import policy_version_in_force
from sila.demo_intake import sample_answers
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, admin_email, enrol_if_required, host_for

TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# A 1x1 transparent PNG: what a signature pad sends, as a data URL.
TINY_PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
SIGNATURE = f"data:image/png;base64,{TINY_PNG_B64}"


def luhn_complete(nine_digits: str) -> str:
    """The ten-digit number whose last digit is the Luhn check digit of ``nine_digits``."""
    for check in "0123456789":
        candidate = nine_digits + check
        total = 0
        for index, char in enumerate(reversed(candidate)):
            digit = int(char) * (2 if index % 2 else 1)
            total += digit - 9 if digit > 9 else digit
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


_counter = iter(range(10_000_000, 99_999_999))


def new_national_id(prefix: str = "1") -> str:
    return luhn_complete(f"{prefix}{next(_counter):08d}")


def make_user(tenant: Association, email: str, *roles: str, full_name: str = "") -> User:
    connection.set_tenant(tenant)
    user = User.objects.create_user(email, PASSWORD, full_name=full_name or email, is_staff=True)
    if roles:
        user.roles.add(*Role.objects.filter(code__in=roles))
    return enrol_if_required(user)


@dataclass
class Staff:
    admin: User
    reception: User
    reception2: User
    officer: User
    administration: User
    committee: list[User]
    outsider: User  # signed in, no casework role


@pytest.fixture
def alpha(tenant_a: Association) -> Association:
    connection.set_tenant(tenant_a)
    return tenant_a


@pytest.fixture
def staff(alpha: Association) -> Staff:
    return Staff(
        admin=User.objects.get(email=admin_email("alpha")),
        reception=make_user(
            alpha, "reception@alpha.test", RoleCode.RECEPTION_EMPLOYEE, full_name="ريم الاستقبال"
        ),
        reception2=make_user(
            alpha, "reception2@alpha.test", RoleCode.RECEPTION_EMPLOYEE, full_name="سعد الاستقبال"
        ),
        officer=make_user(
            alpha, "officer@alpha.test", RoleCode.SOCIAL_RESEARCH_OFFICER, full_name="نورة الباحثة"
        ),
        administration=make_user(
            alpha, "manager@alpha.test", RoleCode.ADMINISTRATION, full_name="مدير الإدارة"
        ),
        committee=[
            make_user(
                alpha, f"committee{i}@alpha.test", RoleCode.COMMITTEE_MEMBER, full_name=f"عضو اللجنة {i}"
            )
            for i in (1, 2, 3)
        ],
        outsider=make_user(alpha, "board@alpha.test", RoleCode.BOARD_MEMBER, full_name="عضو مجلس"),
    )


def install_policy(tenant: Association, slug: str) -> PolicyVersion:
    """One founding policy, in force in ``tenant`` (Tabuk's, printed without an approval, is
    approved on paper first)."""
    connection.set_tenant(tenant)
    version = policy_services.policy_seed_install(slug=slug)
    if version.status != PolicyStatus.IN_FORCE:
        policy_services.policy_approval_record_paper(
            actor=None,
            number=version.number,
            signatories=[{"name": "رئيس المجلس", "role_ar": "رئيس مجلس الإدارة"}],
            date_gregorian=version.created_at.date(),
        )
        version.refresh_from_db()
    return version


@pytest.fixture
def rumaila(alpha: Association) -> PolicyVersion:
    return install_policy(alpha, "rumaila")


@pytest.fixture
def jamoum(alpha: Association) -> PolicyVersion:
    return install_policy(alpha, "jamoum")


def register(
    actor: User | None, *, name: str = "محمد بن عبدالله الحماد", phone: str = "0551234567", **more: Any
) -> Beneficiary:
    return services.beneficiary_register(
        actor=actor,
        national_id=more.pop("national_id", None) or new_national_id(),
        full_name_ar=name,
        phone=phone,
        **more,
    )


def intake_answers() -> dict[str, Any]:
    """A demo applicant's answers to the intake form of the policy in force."""
    version = policy_version_in_force()
    assert version is not None
    return sample_answers(selectors.engine_for(version).intake_form())


def open_case(
    actor: User | None,
    beneficiary: Beneficiary | None = None,
    channel: str = "interview",
    intake: dict[str, Any] | None = None,
) -> SupportCase:
    beneficiary = beneficiary or register(actor)
    return services.case_open(
        actor=actor,
        beneficiary_id=beneficiary.pk,
        channel=channel,
        intake=intake_answers() if intake is None else intake,
    )


class Api:
    """A test client on one association's host, signed in as ``user`` (session) or sending
    ``Authorization: Bearer <token>``. JSON in, JSON out."""

    def __init__(
        self, tenant: Association, user: User | None = None, *, token: str | None = None, lang: str = "en"
    ) -> None:
        self.tenant = tenant
        self.headers: dict[str, str] = {"accept-language": lang}
        if token is not None:
            self.headers["authorization"] = f"Bearer {token}"
        self.client = Client(HTTP_HOST=host_for(tenant))
        if user is not None:
            connection.set_tenant(tenant)  # the session row is written in the user's schema
            self.client.force_login(user)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data: Any = None, **headers: str) -> Any:
        return self.client.post(
            path,
            json.dumps(data if data is not None else {}),
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(
            path, json.dumps(data), content_type="application/json", headers=self.headers
        )

    def put(self, path: str, data: Any) -> Any:
        return self.client.put(path, json.dumps(data), content_type="application/json", headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)

    def multipart(self, path: str, data: dict[str, Any], **headers: str) -> Any:
        return self.client.post(
            path, data, content_type=MULTIPART_CONTENT, headers={**self.headers, **headers}
        )


@pytest.fixture
def media_root(settings: Settings, tmp_path: Path) -> Iterator[Path]:
    """Uploads go to a temporary MEDIA_ROOT (the tenant storage caches its root per relative
    root setting, so that is set too)."""
    settings.MEDIA_ROOT = tmp_path
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "tenants/%s"
    yield tmp_path
