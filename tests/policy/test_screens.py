"""The policy screens, driven as a browser would (forms, redirects, pages): Arabic by default."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from accounts.models import RoleCode, User
from policy_engine import services
from policy_engine.models import BoardRole, BoardVote, PolicyStatus, PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.conftest import host_for, totp_code
from tests.policy.conftest import make_board_member, make_user, seed_document
from tests.policy.forms import as_post, form_fields, set_field

pytestmark = pytest.mark.django_db


def browser(tenant: Association, user: User | None = None, lang: str | None = None) -> Client:
    client = Client(HTTP_HOST=host_for(tenant))
    if user is not None:
        connection.set_tenant(tenant)
        client.force_login(user)
    if lang:
        client.cookies["sila_language"] = lang
    return client


@pytest.fixture
def admin(tenant_a: Association) -> User:
    return make_user(
        tenant_a, "policy-admin@alpha.test", RoleCode.ASSOCIATION_ADMIN, full_name="مديرة الجمعية"
    )


@pytest.fixture
def draft(tenant_a: Association, admin: User) -> PolicyVersion:
    connection.set_tenant(tenant_a)
    return services.policy_version_create_draft(actor=admin, document=seed_document("jamoum"))


def test_public_policy_page_is_arabic_and_links_the_pdf(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="jamoum")
    page = browser(tenant_a).get("/policy/", HTTP_ACCEPT_LANGUAGE="en-US,en")  # Arabic first anyway
    body = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in body
    assert "سياسة تنظيم العلاقة مع المستفيدين" in body
    assert "جمعية ألفا الخيرية" in body  # the host association, whichever seed it adopted
    pdf = browser(tenant_a).get("/policy.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_english_policy_page_when_chosen(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="jamoum")
    body = browser(tenant_a, lang="en").get("/policy/").content.decode()
    assert '<html lang="en" dir="ltr">' in body
    assert "Beneficiary Relations Policy" in body


def test_no_policy_in_force_is_a_clear_404_page(tenant_a: Association) -> None:
    page = browser(tenant_a).get("/policy/")
    assert page.status_code == 404
    assert "لا توجد سياسة معتمدة" in page.content.decode()


def test_staff_screens_need_sign_in_and_a_staff_role(tenant_a: Association) -> None:
    assert browser(tenant_a).get("/staff/policy/").status_code == 302
    outsider = make_user(tenant_a, "no-role@alpha.test", is_staff=False)
    assert browser(tenant_a, outsider).get("/staff/policy/").status_code == 403


def _editor(client: Client, number: int) -> list[list[Any]]:
    page = client.get(f"/staff/policy/{number}/edit")
    assert page.status_code == 200
    return form_fields(page.content.decode())


def _review_row(fields: list[list[Any]]) -> int:
    return [f[1] for f in fields if f[0] == "st_code"].index("committee_review")


def test_editor_validates_live_and_saves(tenant_a: Association, admin: User, draft: PolicyVersion) -> None:
    client = browser(tenant_a, admin)
    fields = _editor(client, draft.number)
    row = _review_row(fields)
    assert [f[1] for f in fields if f[0] == "ch_code"][-1] == "branch_representatives"

    set_field(fields, "st_window_n", "0", row)
    live = client.post(f"/staff/policy/{draft.number}/edit", as_post(fields) | {"validate_only": ["1"]})
    assert live.status_code == 200
    assert live.json()["valid"] is False
    assert live.json()["errors"] == {f"step-{row}-window": ["مدة الرد يوم واحد على الأقل."]}

    set_field(fields, "st_window_n", "400", row)
    set_field(fields, "st_window_unit", "D", row)
    live = client.post(f"/staff/policy/{draft.number}/edit", as_post(fields) | {"validate_only": ["1"]})
    assert live.json()["errors"] == {f"step-{row}-window": ["مدة الرد لا تزيد على سنة."]}

    set_field(fields, "st_window_n", "1", row)
    set_field(fields, "st_window_unit", "M", row)
    saved = client.post(f"/staff/policy/{draft.number}/edit", as_post(fields))
    assert saved.status_code == 302
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    assert draft.revision == 2
    review = draft.document["procedure"][row]
    assert (review["step"], review["body"], review["window"]) == (
        "committee_review",
        "research_committee",
        "P1M",
    )
    # Nothing else changed: the posted texts (CRLF line endings) are stored as they were.
    changed = {k for k in draft.document if draft.document[k] != seed_document("jamoum").get(k)}
    assert changed == {"procedure"}


def test_a_stale_editor_save_is_refused_and_keeps_what_was_typed(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = browser(tenant_a, admin)
    first = _editor(client, draft.number)
    second = [list(f) for f in first]
    row = _review_row(first)
    set_field(first, "st_window_n", "1", row)
    set_field(first, "st_window_unit", "W", row)
    set_field(second, "st_window_n", "3", row)
    set_field(second, "st_window_unit", "W", row)
    set_field(second, "preamble_ar", "تمهيد كتبته الزميلة الثانية")
    assert client.post(f"/staff/policy/{draft.number}/edit", as_post(first)).status_code == 302
    refused = client.post(f"/staff/policy/{draft.number}/edit", as_post(second))
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "حفظ شخص آخر" in page
    kept = form_fields(page)
    assert [f[1] for f in kept if f[0] == "st_window_n"][row] == "3"
    assert next(f[1] for f in kept if f[0] == "preamble_ar") == "تمهيد كتبته الزميلة الثانية"
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    assert draft.document["procedure"][row]["window"] == "P1W"


def test_bad_input_is_shown_beside_its_field_and_nothing_typed_is_lost(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    client = browser(tenant_a, admin, lang="en")
    fields = _editor(client, draft.number)
    # A second channel the catalogue lacks, twice under one name: one code twice.
    for _ in range(2):
        page = client.post(
            f"/staff/policy/{draft.number}/edit",
            as_post(fields) | {"edit_action": ["add:channels"], "add_channels": ["custom:"]},
        )
        fields = form_fields(page.content.decode())
    custom = [i for i, f in enumerate(f for f in fields if f[0] == "ch_code") if f[1].startswith("custom:")]
    assert len(custom) == 2
    for index in custom:
        set_field(fields, "ch_label_ar", "واتساب", index)
        set_field(fields, "ch_label_en", "WhatsApp", index)
    # An IBAN with a wrong check digit.
    set_field(fields, "ac_iban", "SA03 8000 0000 6080 1016 7518", 0)
    # The decision before the referral the policy requires: the referral moved down past it.
    codes = [f[1] for f in fields if f[0] == "st_code"]
    refer, review = codes.index("refer"), codes.index("committee_review")
    for position in range(refer, review):
        page = client.post(
            f"/staff/policy/{draft.number}/edit",
            as_post(fields) | {"edit_action": [f"down:procedure:{position}"]},
        )
        fields = form_fields(page.content.decode())
    assert [f[1] for f in fields if f[0] == "st_code"].index("refer") == review
    page = client.post(f"/staff/policy/{draft.number}/edit", as_post(fields))
    assert page.status_code == 400
    errors = page.context["errors"]
    assert errors[f"channel-{custom[1]}"] == ["Channel listed more than once: WhatsApp"]
    assert errors["account-0-iban"][0].startswith("Invalid IBAN")
    assert errors[f"step-{review}"] == [
        "The step 'Refer to explain the procedures' must come before the request is studied and decided."
    ]
    assert set(errors) == {f"channel-{custom[1]}", "account-0-iban", f"step-{review}"}
    html = page.content.decode()
    kept = form_fields(html)
    assert next(f[1] for f in kept if f[0] == "ac_iban") == "SA0380000000608010167518"  # as typed, compacted
    assert [f[1] for f in kept if f[0] == "ch_label_en"][custom[1]] == "WhatsApp"
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    assert draft.revision == 1  # nothing saved


def _reauthenticated(client: Client, path: str, data: dict[str, str], code: str) -> Any:
    """POST ``data`` to ``path``; allauth asks to re-authenticate; answer with ``code``: the
    response is that of the replayed POST."""
    asked = client.post(path, data)
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/2fa/reauthenticate/")
    return client.post(asked["Location"], {"code": code})


def test_board_votes_and_approves_through_the_screens(
    tenant_a: Association, admin: User, draft: PolicyVersion
) -> None:
    chair_user = make_user(tenant_a, "chair@alpha.test", RoleCode.BOARD_MEMBER, full_name="رئيس المجلس")
    member_user = make_user(tenant_a, "member@alpha.test", RoleCode.BOARD_MEMBER, full_name="عضو المجلس")
    make_board_member(tenant_a, chair_user, "رئيس المجلس", BoardRole.CHAIR)
    make_board_member(tenant_a, member_user, "عضو المجلس", BoardRole.MEMBER)
    admin_client = browser(tenant_a, admin)
    assert admin_client.post(f"/staff/policy/{draft.number}/submit").status_code == 302

    chair = browser(tenant_a, chair_user)
    connection.set_tenant(tenant_a)
    recovery = RecoveryCodes.activate(chair_user).get_unused_codes()
    detail = chair.get(f"/staff/policy/{draft.number}/")
    assert detail.context["can_vote"] and detail.context["can_approve"]

    # No vote without re-authenticating with the second factor; allauth keeps the vote and asks.
    asked = chair.post(f"/staff/policy/{draft.number}/vote", {"choice": "approve"})
    assert asked.status_code == 302
    assert asked["Location"].startswith("/accounts/2fa/reauthenticate/")
    wrong = chair.post(asked["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    connection.set_tenant(tenant_a)
    assert not BoardVote.objects.exists()
    signed = chair.post(asked["Location"], {"code": totp_code()})
    assert signed.status_code == 302 and signed["Location"] == f"/staff/policy/{draft.number}/"
    connection.set_tenant(tenant_a)
    assert list(BoardVote.objects.values_list("reauthenticated_by", flat=True)) == ["mfa:totp"]

    early = chair.post(f"/staff/policy/{draft.number}/approve", {"date_hijri": "1448-06-12"})
    assert early.status_code == 409  # 1 of 2 approvals: refused before anyone is asked to re-authenticate
    member = browser(tenant_a, member_user)
    assert (
        _reauthenticated(
            member, f"/staff/policy/{draft.number}/vote", {"choice": "approve"}, totp_code()
        ).status_code
        == 302
    )
    approved = _reauthenticated(
        chair, f"/staff/policy/{draft.number}/approve", {"date_hijri": "1448-06-12"}, recovery[1]
    )
    assert approved.status_code == 302
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.IN_FORCE
    assert draft.approval.date_gregorian.isoformat() == "2026-11-22"
    assert [s.name for s in draft.approval.signatories.all()] == ["رئيس المجلس", "عضو المجلس"]


def test_paper_approval_diff_and_acknowledgments_screens(tenant_a: Association, admin: User) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="jamoum")
    client = browser(tenant_a, admin)
    new = client.post("/staff/policy/1/new-draft")
    assert new.status_code == 302 and new["Location"].endswith("/staff/policy/2/edit")
    fields = _editor(client, 2)
    set_field(fields, "st_window_n", "1", _review_row(fields))
    set_field(fields, "st_window_unit", "M", _review_row(fields))
    post = as_post(fields) | {"staff_acknowledgment_required": ["1"]}
    assert client.post("/staff/policy/2/edit", post).status_code == 302
    diff = client.get("/staff/policy/2/diff").content.decode()
    assert "شهر" in diff  # the review window now reads one month
    recorded = client.post(
        "/staff/policy/2/record-approval",
        {
            "date_hijri": "1448-06-10",
            "meeting_number": "7",
            "signatory_name": ["د. أنور"],
            "signatory_role": ["الرئيس"],
        },
    )
    assert recorded.status_code == 302
    ack = client.post("/staff/policy/2/acknowledge", {"signed_name": "مديرة الجمعية"})
    assert ack.status_code == 302
    acks = client.get("/staff/policy/2/acknowledgments")
    assert [row["email"] for row in acks.context["status"]["signed"]] == ["policy-admin@alpha.test"]
    pdf = client.get("/staff/policy/2.pdf")
    assert pdf.content.startswith(b"%PDF-")


def test_another_associations_version_is_not_found(
    tenant_a: Association, tenant_b: Association, draft: PolicyVersion
) -> None:
    outsider = make_user(tenant_b, "admin2@beta.test", RoleCode.ASSOCIATION_ADMIN)
    assert browser(tenant_b, outsider).get(f"/staff/policy/{draft.number}/").status_code == 404


def test_a_staff_tool_carries_an_uploaded_document(
    tenant_a: Association, admin: User, draft: PolicyVersion, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.policy.conftest import TINY_PDF

    settings.MEDIA_ROOT = tmp_path
    client = browser(tenant_a, admin)
    fields = _editor(client, draft.number)
    not_a_pdf = as_post(fields) | {"tool_document_bylaws": SimpleUploadedFile("bylaws.exe", b"MZ\x90\x00")}
    refused = client.post(f"/staff/policy/{draft.number}/edit", not_a_pdf)
    assert refused.status_code == 400 and "tool_document_bylaws" in refused.context["errors"]
    post = as_post(fields) | {
        "tool_document_bylaws": SimpleUploadedFile("bylaws.pdf", TINY_PDF, content_type="application/pdf")
    }
    assert client.post(f"/staff/policy/{draft.number}/edit", post).status_code == 302
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    bylaws = next(t for t in draft.document["staff_tools"] if isinstance(t, dict) and t["code"] == "bylaws")
    url = f"/policy/documents/{bylaws['document']}"
    assert url in client.get(f"/staff/policy/{draft.number}/").content.decode()
    assert client.get(url).getvalue() == TINY_PDF  # staff can open it
    assert browser(tenant_a).get(url).status_code == 404  # the public cannot: the draft is not in force
    outsider = make_user(Association.objects.get(slug="beta"), "x@beta.test", RoleCode.ASSOCIATION_ADMIN)
    assert browser(Association.objects.get(slug="beta"), outsider).get(url).status_code == 404
    connection.set_tenant(tenant_a)
    services.policy_approval_record_paper(
        actor=admin,
        number=draft.number,
        signatories=[{"name": "الرئيس", "role_ar": "رئيس مجلس الإدارة"}],
        date_hijri="1448-06-01",
    )
    assert browser(tenant_a).get(url).getvalue() == TINY_PDF  # now part of the public policy


def test_a_tool_added_in_this_edit_keeps_the_file_chosen_for_it(
    tenant_a: Association, admin: User, draft: PolicyVersion, settings: Any, tmp_path: Any
) -> None:
    """A new tool has no code until it is saved (it is made from its name): its file travels under
    its row's key, so the file chosen in the same edit is the one linked to it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.policy.conftest import TINY_PDF

    settings.MEDIA_ROOT = tmp_path
    client = browser(tenant_a, admin)
    fields = _editor(client, draft.number)
    page = client.post(
        f"/staff/policy/{draft.number}/edit",
        as_post(fields) | {"edit_action": ["add:staff_tools"], "add_staff_tools": ["custom:"]},
    )
    fields = form_fields(page.content.decode())
    new = len([f for f in fields if f[0] == "tl_code"]) - 1
    key = [f[1] for f in fields if f[0] == "tl_key"][new]
    assert key == f"new-{new}"
    set_field(fields, "tl_label_ar", "دليل الزيارات المنزلية", new)
    set_field(fields, "tl_label_en", "Home visits guide", new)
    post = as_post(fields) | {
        f"tool_document_{key}": SimpleUploadedFile("visits.pdf", TINY_PDF, content_type="application/pdf")
    }
    assert client.post(f"/staff/policy/{draft.number}/edit", post).status_code == 302
    connection.set_tenant(tenant_a)
    draft.refresh_from_db()
    tool = draft.document["staff_tools"][-1]
    assert tool["code"] == "custom:home-visits-guide"
    assert client.get(f"/policy/documents/{tool['document']}").getvalue() == TINY_PDF


def test_a_new_association_starts_from_a_founding_policy_and_configures_its_board(
    tenant_a: Association, admin: User
) -> None:
    client = browser(tenant_a, admin)
    listing = client.get("/staff/policy/")
    assert [slug for slug, _ in listing.context["templates"]] == [
        "rumaila",
        "jamoum",
        "mawsam",
        "tabuk",
        "baraa",
    ]
    started = client.post("/staff/policy/from-template", {"template": "tabuk"})
    assert started.status_code == 302
    connection.set_tenant(tenant_a)
    draft = PolicyVersion.objects.get()
    assert draft.status == PolicyStatus.DRAFT
    assert draft.document == seed_document("tabuk")

    voter = make_user(tenant_a, "voter@alpha.test", full_name="عضوة المجلس")
    bad = client.post(
        "/staff/policy/board/", {"name_ar": "", "role": "member", "user_email": "nobody@x.test"}
    )
    assert bad.status_code == 400
    assert set(bad.context["errors"]) == {"name_ar", "user_email"}
    added = client.post(
        "/staff/policy/board/", {"name_ar": "عضوة المجلس", "role": "chair", "user_email": "voter@alpha.test"}
    )
    assert added.status_code == 302
    connection.set_tenant(tenant_a)
    voter.refresh_from_db()
    assert voter.board_member.role == BoardRole.CHAIR
    assert voter.has_role(RoleCode.BOARD_MEMBER)  # so the board's screens open for her
    assert client.post("/staff/policy/board/", {"form": "quorum", "quorum": "3"}).status_code == 302
    connection.set_tenant(tenant_a)
    from policy_engine.selectors import quorum_needed

    assert quorum_needed() == 3
    reception = make_user(tenant_a, "desk@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    assert browser(tenant_a, reception).get("/staff/policy/board/").status_code == 403


def test_the_api_starts_a_draft_from_a_template(tenant_a: Association, admin: User) -> None:
    import json

    client = browser(tenant_a, admin)
    response = client.post(
        "/api/v1/policy/versions/", json.dumps({"template": "mawsam"}), content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["document"] == seed_document("mawsam")
    assert response.json()["status"] == "draft"


def test_field_errors_reach_the_editor_as_data_never_as_markup(
    tenant_a: Association, people: Any, draft: PolicyVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policy_engine.views import edit

    hostile = "</script><script>alert(1)</script>"
    # The editor prints each message beside its field (no script block of data any more): escaped.
    monkeypatch.setattr(
        edit.editor, "errors_by_field", lambda *args, **kwargs: {"form": [hostile], "preamble_ar": [hostile]}
    )
    client = browser(tenant_a, people.admin)
    response = client.post(f"/staff/policy/{draft.number}/edit", {"revision": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<script>alert(1)" not in html
    assert html.count("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") == 2


def test_the_editor_sets_whether_the_applicant_is_told_the_decisions_reason(
    tenant_a: Association, admin: User
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="jamoum")
    client = browser(tenant_a, admin, lang="en")
    assert client.post("/staff/policy/1/new-draft").status_code == 302
    fields = _editor(client, 2)
    assert "decision_reason_shared" not in [f[0] for f in fields]  # an unticked box sends nothing
    post = as_post(fields) | {"decision_reason_shared": ["1"]}
    assert client.post("/staff/policy/2/edit", post).status_code == 302
    connection.set_tenant(tenant_a)
    assert PolicyVersion.objects.get(number=2).document["decision_reason_shared"] is True
    diff = client.get("/staff/policy/2/diff").content.decode()
    assert "now gives its reason in short" in diff
    # Unticked again: the policy no longer tells the reason (and stores nothing for it).
    assert (
        client.post(
            "/staff/policy/2/edit", as_post(_editor(client, 2)) | {"decision_reason_shared": []}
        ).status_code
        == 302
    )
    connection.set_tenant(tenant_a)
    assert "decision_reason_shared" not in PolicyVersion.objects.get(number=2).document
