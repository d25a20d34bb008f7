"""The intake form and checklists edited in the same editor, as rows, without JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import RoleCode, User
from policy_engine import services
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.conftest import host_for
from tests.policy.conftest import make_user, seed_document
from tests.policy.forms import as_post, form_fields, set_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tenant_a: Association) -> User:
    return make_user(tenant_a, "intake-admin@alpha.test", RoleCode.ASSOCIATION_ADMIN, full_name="مديرة")


@pytest.fixture
def draft(tenant_a: Association, admin: User) -> PolicyVersion:
    connection.set_tenant(tenant_a)
    return services.policy_version_create_draft(actor=admin, document=seed_document("jamoum"))


def _client(tenant: Association, user: User) -> Client:
    client = Client(HTTP_HOST=host_for(tenant))
    connection.set_tenant(tenant)
    client.force_login(user)
    client.cookies["sila_language"] = "en"
    return client


def _post(client: Client, number: int, fields: list[list[Any]], **extra: str) -> Any:
    return client.post(f"/staff/policy/{number}/edit", as_post(fields) | {k: [v] for k, v in extra.items()})


def test_a_question_and_a_checklist_item_are_added_as_rows(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = _client(tenant_a, admin)
    fields = form_fields(client.get(f"/staff/policy/{draft.number}/edit").content.decode())
    page = _post(client, draft.number, fields, edit_action="add:intake")
    fields = form_fields(page.content.decode())
    new = _count(fields, "if_code") - 1  # the new question is the last row
    set_field(fields, "if_label_ar", "حالة السكن الحالية", new)
    set_field(fields, "if_label_en", "Current housing", new)
    set_field(fields, "if_type", "choice", new)
    set_field(fields, "if_required", "1", new)
    set_field(fields, "if_options", "ملك | Owned\nإيجار | Rented", new)
    page = _post(client, draft.number, fields, edit_action="add:checklists")
    fields = form_fields(page.content.decode())
    new = _count(fields, "ck_code") - 1
    set_field(fields, "ck_step", "verify", new)
    set_field(fields, "ck_label_ar", "صورة صك الولاية", new)
    set_field(fields, "ck_label_en", "Copy of the guardianship deed", new)
    set_field(fields, "ck_kind", "document", new)
    saved = _post(client, draft.number, fields)
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    assert draft.document["intake_form"]["fields"][-1] == {
        "code": "current_housing",
        "type": "choice",
        "label_ar": "حالة السكن الحالية",
        "label_en": "Current housing",
        "required": True,
        "options": [
            {"code": "owned", "label_ar": "ملك", "label_en": "Owned"},
            {"code": "rented", "label_ar": "إيجار", "label_en": "Rented"},
        ],
    }
    assert draft.document["checklists"]["verify"][-1] == {
        "code": "copy_of_the_guardianship_deed",
        "kind": "document",
        "label_ar": "صورة صك الولاية",
        "label_en": "Copy of the guardianship deed",
        "required": True,
    }
    # The questions and items that were there are kept as they were.
    before = seed_document("jamoum")
    assert draft.document["intake_form"]["fields"][:-1] == before["intake_form"]["fields"]
    assert draft.document["checklists"]["receive"] == before["checklists"]["receive"]


def test_a_choice_without_options_is_shown_beside_its_question(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = _client(tenant_a, admin)
    fields = form_fields(client.get(f"/staff/policy/{draft.number}/edit").content.decode())
    fields = form_fields(_post(client, draft.number, fields, edit_action="add:intake").content.decode())
    new = _count(fields, "if_code") - 1
    set_field(fields, "if_label_ar", "الحالة", new)
    set_field(fields, "if_label_en", "Status", new)
    set_field(fields, "if_type", "choice", new)
    refused = _post(client, draft.number, fields)
    assert refused.status_code == 400
    assert refused.context["errors"] == {
        f"intake-{new}-options": ["A choice field needs at least one option."]
    }
    kept = form_fields(refused.content.decode())
    assert [f[1] for f in kept if f[0] == "if_label_en"][new] == "Status"


def test_the_founding_policys_questions_survive_an_untouched_save(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = _client(tenant_a, admin)
    fields = form_fields(client.get(f"/staff/policy/{draft.number}/edit").content.decode())
    assert _count(fields, "if_code") == len(seed_document("jamoum")["intake_form"]["fields"])
    assert _post(client, draft.number, fields).status_code == 302
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    assert draft.revision == 2
    before = seed_document("jamoum")
    assert draft.document["intake_form"] == before["intake_form"]
    assert draft.document["checklists"] == before["checklists"]


def _count(fields: list[list[Any]], name: str) -> int:
    return sum(1 for f in fields if f[0] == name)
