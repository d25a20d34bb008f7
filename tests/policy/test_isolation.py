"""Alpha's policy is alpha's alone: beta neither sees nor reaches it, by API, ORM, file or cache.

For an object that exists only in alpha, beta's staff get 404 (never 403): the answer must not
reveal that something exists elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import RoleCode, User
from audit.models import AuditEvent
from policy_engine import services
from policy_engine.models import (
    ApprovalSignatory,
    BoardApproval,
    BoardMember,
    BoardVote,
    PolicyAttachment,
    PolicyVersion,
    StaffAcknowledgment,
)
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, admin_email
from tests.policy.conftest import TINY_PDF, People, make_board_member, make_user, seed_document, vote

pytestmark = pytest.mark.django_db

BASE = "/api/v1/policy"
POLICY_MODELS = (
    PolicyVersion,
    BoardApproval,
    ApprovalSignatory,
    BoardVote,
    StaffAcknowledgment,
    PolicyAttachment,
    BoardMember,
)


@pytest.fixture
def alpha_policy(tenant_a: Association, people: People, api: Any, media_root: Path) -> dict[str, Any]:
    """Alpha with a bit of everything: v1 approved in the app and acknowledged, v2 a draft, an
    attachment, a paper approval's scan on v3."""
    connection.set_tenant(tenant_a)
    services.policy_version_create_draft(actor=people.admin, document=seed_document("mawsam"))
    services.policy_version_submit(actor=people.admin, number=1)
    vote(tenant_a, people.member1, 1)
    vote(tenant_a, people.member2, 1)
    services.policy_version_approve(actor=people.chair, number=1, reauthenticate=lambda: "mfa:totp")
    services.staff_acknowledge(actor=people.reception, number=1, signed_name="موظف الاستقبال")
    services.policy_version_create_draft(actor=people.admin, based_on=1)
    upload = api(people.admin).multipart(
        f"{BASE}/attachments/", {"file": SimpleUploadedFile("bylaws.pdf", TINY_PDF)}
    )
    assert upload.status_code == 201
    connection.set_tenant(tenant_a)
    services.policy_version_create_draft(actor=people.admin, based_on=1)
    approval = services.policy_approval_record_paper(
        actor=people.admin,
        number=3,
        signatories=[{"name": "منذر", "role_ar": "رئيس مجلس الإدارة"}],
        date_gregorian=None,
        date_hijri="1446-04-10",
        scan=SimpleUploadedFile("signed.pdf", TINY_PDF),
    )
    return {"attachment_id": upload.json()["id"], "scan_path": approval.scan.path}


@pytest.fixture
def beta_admin(tenant_b: Association) -> User:
    connection.set_tenant(tenant_b)
    return User.objects.get(email=admin_email("beta"))


def test_alpha_rows_are_not_in_betas_schema(
    tenant_a: Association, tenant_b: Association, alpha_policy: dict[str, Any]
) -> None:
    connection.set_tenant(tenant_a)
    in_alpha = {model.__name__: model.objects.count() for model in POLICY_MODELS}
    assert all(in_alpha.values()), in_alpha
    alpha_audit = AuditEvent.objects.filter(action__startswith="policy.").count()
    assert alpha_audit >= 10

    connection.set_tenant(tenant_b)
    assert {model.__name__: model.objects.count() for model in POLICY_MODELS} == dict.fromkeys(in_alpha, 0)
    assert not AuditEvent.objects.filter(action__startswith="policy.").exists()
    assert PolicyAttachment.objects.filter(pk=alpha_policy["attachment_id"]).update(size=0) == 0

    connection.set_schema_to_public()
    assert not AuditEvent.objects.filter(action__startswith="policy.").exists()


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", "versions/1/", None),
        ("get", "versions/2/", None),
        ("put", "versions/2/", {"document": seed_document(), "revision": 1}),
        ("get", "versions/2/diff", None),
        ("get", "versions/1/acknowledgments", None),
        ("post", "versions/2/submit", {}),
        ("post", "versions/1/approve", {}),
        (
            "post",
            "versions/2/record-approval",
            {"signatories": [{"name": "x", "role_ar": "y"}], "date_gregorian": "2024-01-01"},
        ),
        ("post", "versions/3/acknowledge", {"signed_name": "x"}),
    ],
)
def test_betas_admin_gets_404_for_versions_that_exist_only_in_alpha(
    tenant_a: Association,
    tenant_b: Association,
    alpha_policy: dict[str, Any],
    beta_admin: User,
    api: Any,
    method: str,
    path: str,
    payload: Any,
) -> None:
    client = api(beta_admin, tenant=tenant_b)
    url = f"{BASE}/{path}"
    response = client.get(url) if method == "get" else getattr(client, method)(url, payload)
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    connection.set_tenant(tenant_a)
    assert PolicyVersion.objects.get(number=2).status == "draft"


def test_a_beta_board_member_voting_on_an_alpha_version_gets_404(
    tenant_b: Association, alpha_policy: dict[str, Any], api: Any
) -> None:
    member = make_user(tenant_b, "board@beta.test", RoleCode.BOARD_MEMBER)
    make_board_member(tenant_b, member, "عضو بيتا")
    response = api(member, tenant=tenant_b).post(
        f"{BASE}/versions/2/votes", {"choice": "approve", "password": PASSWORD}
    )
    assert response.status_code == 404


def test_beta_lists_only_its_own_versions_and_has_no_policy_in_force(
    tenant_b: Association, alpha_policy: dict[str, Any], beta_admin: User, api: Any
) -> None:
    assert api(beta_admin, tenant=tenant_b).get(f"{BASE}/versions/").json() == []
    assert api(tenant=tenant_b).get(f"{BASE}/effective").status_code == 404
    assert api().get(f"{BASE}/effective").json()["version"] == 3


def test_betas_drafts_are_numbered_on_their_own(
    tenant_b: Association, alpha_policy: dict[str, Any], beta_admin: User, api: Any
) -> None:
    created = api(beta_admin, tenant=tenant_b).post(f"{BASE}/versions/", {"document": seed_document("tabuk")})
    assert created.status_code == 201
    assert created.json()["number"] == 1  # alpha already has 1 to 3
    assert created.json()["based_on"] is None


def test_betas_draft_cannot_be_based_on_an_alpha_version(
    tenant_b: Association, alpha_policy: dict[str, Any], beta_admin: User, api: Any
) -> None:
    response = api(beta_admin, tenant=tenant_b, lang="en").post(f"{BASE}/versions/", {"based_on": 1})
    assert response.status_code == 400
    assert response.json()["errors"] == {"based_on": ["No such policy version."]}


def test_uploaded_files_live_under_the_associations_own_media_folder(
    tenant_a: Association, alpha_policy: dict[str, Any], media_root: Path
) -> None:
    connection.set_tenant(tenant_a)
    attachment = PolicyAttachment.objects.get(pk=alpha_policy["attachment_id"])
    for path in (Path(attachment.file.path), Path(alpha_policy["scan_path"])):
        assert path.is_relative_to(media_root / "tenants" / "alpha"), path
        assert path.read_bytes() == TINY_PDF
    assert not (media_root / "tenants" / "beta").exists()
    assert attachment.file.url.startswith("/media/tenants/alpha/")


def test_an_alpha_session_is_anonymous_on_betas_api(
    tenant_b: Association, alpha_policy: dict[str, Any], people: People, api: Any
) -> None:
    alpha_admin = api(people.admin)
    assert alpha_admin.get(f"{BASE}/versions/").status_code == 200
    cookie = alpha_admin.client.cookies["sila_session"].value

    intruder = api(tenant=tenant_b)
    intruder.client.cookies["sila_session"] = cookie
    for response in (
        intruder.get(f"{BASE}/versions/"),
        intruder.post(f"{BASE}/versions/", {"document": seed_document()}),
        intruder.get(f"{BASE}/versions/1/"),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    connection.set_tenant(tenant_b)
    assert not PolicyVersion.objects.exists()


def test_alphas_users_do_not_exist_in_beta(
    tenant_b: Association, alpha_policy: dict[str, Any], people: People, api: Any
) -> None:
    response = api(tenant=tenant_b).client.post(
        "/accounts/login/", {"login": people.admin.email, "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again: no such user here
    connection.set_tenant(tenant_b)
    assert not User.objects.filter(email=people.admin.email).exists()


def test_each_host_gets_its_own_policy_and_no_cache_entry_is_shared(
    tenant_a: Association, tenant_b: Association, api: Any
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")
    connection.set_tenant(tenant_b)
    services.policy_seed_install(slug="baraa")

    for _ in range(2):  # alternate, so any per-process cache would have to answer the wrong host
        alpha = api().get(f"{BASE}/effective").json()
        beta = api(tenant=tenant_b).get(f"{BASE}/effective").json()
        assert (alpha["association"]["slug"], alpha["review_window"]) == ("alpha", "P1M")
        assert (beta["association"]["slug"], beta["review_window"]) == ("beta", "P2W")

    key = "policy:effective"
    connection.set_tenant(tenant_a)
    cache.set(key, json.dumps(alpha), 60)
    connection.set_tenant(tenant_b)
    assert cache.get(key) is None
    connection.set_tenant(tenant_a)
    assert json.loads(cache.get(key))["association"]["slug"] == "alpha"
    cache.delete(key)
