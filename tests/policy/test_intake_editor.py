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


def _edit_page(client: Client, number: int) -> list[list[Any]]:
    return form_fields(client.get(f"/staff/policy/{number}/edit").content.decode())


def _index(fields: list[list[Any]], name: str, value: str) -> int:
    """Which row (by its position among the ``name`` fields) holds ``value``."""
    return [f[1] for f in fields if f[0] == name].index(value)


def _tick(fields: list[list[Any]], name: str, *values: str) -> None:
    """Tick exactly ``values`` among the checkboxes called ``name`` (a browser posts the ticked)."""
    fields[:] = [f for f in fields if f[0] != name]
    fields.extend([name, value, "checkbox"] for value in values)


@pytest.mark.parametrize("seed", ["rumaila", "jamoum", "mawsam", "tabuk", "baraa"])
def test_every_founding_form_survives_an_untouched_save(
    tenant_a: Association, admin: User, seed: str
) -> None:
    """Conditions (one answer, several, yes or no), groups' columns and file limits are all on the
    page now, and posting the page untouched gives back exactly what was there."""
    connection.set_tenant(tenant_a)
    draft = services.policy_version_create_draft(actor=admin, document=seed_document(seed))
    client = _client(tenant_a, admin)
    assert _post(client, draft.number, _edit_page(client, draft.number)).status_code == 302
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    assert draft.revision == 2
    before = seed_document(seed)
    assert draft.document["intake_form"] == before["intake_form"]
    assert draft.document["checklists"] == before["checklists"]


def test_conditions_are_chosen_from_the_questions_and_their_answers(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = _client(tenant_a, admin)
    fields = _edit_page(client, draft.number)
    fields = form_fields(_post(client, draft.number, fields, edit_action="add:intake").content.decode())
    fields = form_fields(_post(client, draft.number, fields, edit_action="add:checklists").content.decode())
    fields = form_fields(_post(client, draft.number, fields, edit_action="add:checklists").content.decode())
    # A new yes/no question, and a document asked for only when it is answered yes (in one edit:
    # the question has no code yet, the item names it by its row on the page).
    question = _count(fields, "if_code") - 1
    new_key = [f[1] for f in fields if f[0] == "if_key"][question]
    assert new_key == f"new-{question}"
    set_field(fields, "if_label_ar", "هل في الأسرة ذو إعاقة؟", question)
    set_field(fields, "if_label_en", "Is a family member disabled?", question)
    set_field(fields, "if_type", "yes_no", question)
    first, second = _count(fields, "ck_code") - 2, _count(fields, "ck_code") - 1
    set_field(fields, "ck_step", "verify", first)
    set_field(fields, "ck_label_ar", "تقرير الإعاقة", first)
    set_field(fields, "ck_label_en", "Disability report", first)
    set_field(fields, "ck_kind", "document", first)
    set_field(fields, "ck_when_field", new_key, first)
    _tick(fields, f"ck_when_c{first}", "yes")
    # A second item asked for from families who rent or live with relatives (two answers).
    set_field(fields, "ck_step", "verify", second)
    set_field(fields, "ck_label_ar", "تعريف من صاحب السكن", second)
    set_field(fields, "ck_label_en", "A letter from the landlord", second)
    set_field(fields, "ck_when_field", "housing", second)
    _tick(fields, f"ck_when_c{second}", "إيجار", "مع الأقارب")
    # An existing question stops depending on the housing answer.
    rent = _index(fields, "if_code", "annual_rent")
    set_field(fields, "if_when_field", "", rent)
    saved = _post(client, draft.number, fields)
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    verify = draft.document["checklists"]["verify"]
    assert verify[-2]["when"] == {"field": "is_a_family_member_disabled", "equals": True}
    assert verify[-1]["when"] == {"field": "housing", "one_of": ["rented", "with_relatives"]}
    assert draft.document["intake_form"]["fields"][-1]["code"] == "is_a_family_member_disabled"
    rent_field = next(f for f in draft.document["intake_form"]["fields"] if f["code"] == "annual_rent")
    assert "when" not in rent_field
    # The page shows the conditions in words, with the answers ticked.
    page = client.get(f"/staff/policy/{draft.number}/edit").content.decode()
    fields = form_fields(page)
    assert ["ck_when_field", "housing", "select"] in fields
    landlord = _index(fields, "ck_code", "a_letter_from_the_landlord")
    assert [f[1] for f in fields if f[0] == f"ck_when_c{landlord}"] == ["إيجار", "مع الأقارب"]
    assert '<option value="housing" selected>«Housing»</option>' in page


def test_a_groups_columns_rows_and_a_documents_files_are_edited(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = _client(tenant_a, admin)
    fields = _edit_page(client, draft.number)
    orphans = _index(fields, "if_code", "orphans")
    page = _post(client, draft.number, fields, edit_action=f"add:columns:{orphans}")
    fields = form_fields(page.content.decode())
    columns = [i for i, f in enumerate(f for f in fields if f[0] == "ifc_owner") if f[1] == "orphans"]
    assert len(columns) == 6  # the five the policy has, and the new one
    set_field(fields, "ifc_label_ar", "المرحلة الدراسية", columns[-1])
    set_field(fields, "ifc_label_en", "School stage", columns[-1])
    set_field(fields, "ifc_type", "choice", columns[-1])
    set_field(fields, "ifc_required", "0", columns[-1])
    set_field(fields, "ifc_options", "ابتدائي | Primary\r\nمتوسط | Intermediate", columns[-1])
    set_field(fields, "if_max_rows", "10", orphans)
    # The national ID copy: PDF only, at most 5 MB.
    identity = _index(fields, "ck_code", "identity_presented")
    _tick(fields, f"ck_ft_c{identity}", "pdf")
    set_field(fields, "ck_max_mb", "٥", identity)
    saved = _post(client, draft.number, fields)
    assert saved.status_code == 302, saved.context and saved.context["errors"]
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    group = next(f for f in draft.document["intake_form"]["fields"] if f["code"] == "orphans")
    before = next(f for f in seed_document("jamoum")["intake_form"]["fields"] if f["code"] == "orphans")
    assert group["fields"][:-1] == before["fields"]
    assert group["fields"][-1] == {
        "code": "school_stage",
        "type": "choice",
        "label_ar": "المرحلة الدراسية",
        "label_en": "School stage",
        "required": False,
        "options": [
            {"code": "primary", "label_ar": "ابتدائي", "label_en": "Primary"},
            {"code": "intermediate", "label_ar": "متوسط", "label_en": "Intermediate"},
        ],
    }
    assert group["max_rows"] == 10
    item = draft.document["checklists"]["receive"][1]
    assert (item["code"], item["file_types"], item["max_size_mb"]) == ("identity_presented", ["pdf"], 5)


def test_file_limits_and_conditions_are_refused_beside_their_fields(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = _client(tenant_a, admin)
    fields = _edit_page(client, draft.number)
    identity = _index(fields, "ck_code", "identity_presented")
    family = _index(fields, "ck_code", "family_record")
    lease = _index(fields, "ck_code", "lease_contract")
    set_field(fields, "ck_max_mb", "20", identity)
    _tick(fields, f"ck_ft_c{family}")  # nothing ticked
    _tick(fields, f"ck_when_c{lease}")  # a condition on the housing, with no answer ticked
    refused = _post(client, draft.number, fields)
    assert refused.status_code == 400
    assert refused.context["errors"] == {
        f"check-{identity}-max_size_mb": ["The file size limit is 1 to 10 MB."],
        f"check-{family}-file_types": ["Tick at least one kind of file."],
        f"check-{lease}-when": ["Choose the answer (or answers) that make it apply."],
    }
    # Nothing typed is lost: the page comes back with the 20 and the empty choices.
    kept = form_fields(refused.content.decode())
    assert [f[1] for f in kept if f[0] == "ck_max_mb"][identity] == "20"
    assert [f for f in kept if f[0] == f"ck_ft_c{family}"] == []
    assert [f[1] for f in kept if f[0] == "ck_when_field"][lease] == "housing"


def test_the_live_check_places_a_checklist_problem_on_the_row_as_the_page_has_it(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    """A row added at the end of the page for an earlier step is still the last row on the page
    (the document groups items by step), so the live check names that row."""
    client = _client(tenant_a, admin)
    fields = form_fields(
        _post(
            client, draft.number, _edit_page(client, draft.number), edit_action="add:checklists"
        ).content.decode()
    )
    last = _count(fields, "ck_code") - 1
    set_field(fields, "ck_step", "receive", last)
    set_field(fields, "ck_label_ar", "بند", last)
    checked = _post(client, draft.number, fields, validate_only="1").json()
    assert checked == {"valid": False, "errors": {f"check-{last}-label_en": ["This field is required."]}}


def test_removing_a_step_with_a_checklist_keeps_its_items_and_says_so_in_words(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = _client(tenant_a, admin)
    fields = _edit_page(client, draft.number)
    receive = _index(fields, "st_code", "receive")
    page = _post(client, draft.number, fields, edit_action=f"remove:procedure:{receive}")
    fields = form_fields(page.content.decode())
    identity = _index(fields, "ck_code", "identity_presented")
    assert [f[1] for f in fields if f[0] == "ck_step"][identity] == "receive"  # not moved to another step
    refused = _post(client, draft.number, fields)
    assert refused.status_code == 400
    assert refused.context["errors"]["checklists"] == [
        "This step is not in the policy's procedure: 'Receive the beneficiary'"
    ]
