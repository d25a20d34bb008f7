"""The rights of the person: access (a ZIP with every row, the files and an Arabic PDF; a test
fails when a new model holds a beneficiary's data and the export misses it), correction with the
history kept, erasure (anonymised at once, or restricted when the law keeps the record) and
restriction; the bad input of the issue, each refused clearly."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as db
from django.db import models
from django.test import TestCase
from django.utils import timezone

from audit.models import AuditEvent
from casework import selectors, services
from casework.models import Beneficiary, BeneficiaryDocument, CaseStatus, SupportCase
from casework.privacy import erasure, export, rights
from casework.privacy.models import AccessLogEntry, RecordHold, RetentionRule, RightsRequest
from casework.reports import selectors as report_selectors
from casework.reports.periods import range_period
from core.errors import ServiceError
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import TINY_PDF, Api, Staff, new_national_id, open_case, register
from tests.casework.test_casework_flow import take_step

pytestmark = pytest.mark.django_db

NAME = "زينب بنت خالد القحطاني"
PHONE = "0557654321"
CHILD = "ريم بنت فهد القحطاني"


def person_with_two_requests(
    staff: Staff,
) -> tuple[Beneficiary, list[SupportCase], list[BeneficiaryDocument]]:
    """A person with a household, two documents and two served, rated requests."""
    child_id = new_national_id()
    beneficiary = register(
        staff.reception,
        name=NAME,
        phone=PHONE,
        notes="أرملة تعول طفلين",
        household=[{"full_name_ar": CHILD, "relation": "daughter", "national_id": child_id}],
    )
    cases = []
    for score in (5, 4):
        case = open_case(staff.reception, beneficiary)
        while case.status == CaseStatus.OPEN:
            case = take_step(case, staff)
        services.satisfaction_record(
            actor=staff.reception,
            case_id=case.pk,
            score=score,
            comment=f"شكرًا، أنا {NAME}",
            service_id=case.services.order_by("id").values_list("id", flat=True).first(),
        )
        cases.append(case)
    with TestCase.captureOnCommitCallbacks(execute=True):  # files are written after the commit
        documents = [
            services.beneficiary_document_upload(
                actor=staff.reception,
                beneficiary_id=beneficiary.pk,
                upload=SimpleUploadedFile(
                    f"هوية-{n}.pdf", TINY_PDF + bytes([n]), content_type="application/pdf"
                ),
                case_id=cases[0].pk,
            )
            for n in (1, 2)
        ]
    beneficiary.refresh_from_db()
    return beneficiary, cases, documents


def holders_of_beneficiary_data() -> set[str]:
    """Every model of an association's schema that points, directly or through other models, at a
    beneficiary or one of their requests."""
    tenant_models = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"casework", "privacy", "reports", "audit", "policy_engine", "accounts"}
    ]
    found = {apps.get_model("casework", "Beneficiary")}
    changed = True
    while changed:
        changed = False
        for model in tenant_models:
            if model in found:
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model in found:
                    found.add(model)
                    changed = True
                    break
    return {m._meta.label_lower for m in found}


def test_the_export_covers_every_model_that_holds_a_beneficiarys_data() -> None:
    exported = {model._meta.label_lower for model in export.SECTIONS}
    holders = holders_of_beneficiary_data()
    assert len(holders) >= 20  # the walk found the casework tables (not an empty set)
    missing = holders - exported - set(export.NOT_EXPORTED)
    assert missing == set(), f"add these to casework.privacy.export.SECTIONS: {sorted(missing)}"
    # Tables keyed by the person's phone or ids, not by a foreign key, are exported too.
    assert {
        "casework.otpchallenge",
        "casework.portalsession",
        "audit.auditevent",
        "privacy.accesslogentry",
    } <= exported


def test_the_coverage_check_would_catch_a_new_model() -> None:
    class ForgottenNote(models.Model):  # noqa: DJ008
        beneficiary = models.ForeignKey("casework.Beneficiary", on_delete=models.CASCADE)

        class Meta:
            app_label = "privacy"

    try:
        assert "privacy.forgottennote" in holders_of_beneficiary_data() - {
            m._meta.label_lower for m in export.SECTIONS
        }
    finally:
        del apps.all_models["privacy"]["forgottennote"]
        apps.clear_cache()


def _open_right(staff: Staff, beneficiary: Beneficiary, kind: str) -> RightsRequest:
    return rights.rights_request_open(actor=staff.admin, kind=kind, beneficiary_id=beneficiary.pk, details="")


def test_access_export_holds_every_row_and_file_and_a_readable_arabic_pdf(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any
) -> None:
    beneficiary, cases, documents = person_with_two_requests(staff)
    AccessLogEntry.objects.create(
        user_id=staff.reception.pk,
        user_email="x@alpha.test",
        action="view",
        beneficiary_id=beneficiary.pk,
        via="test",
    )
    request = _open_right(staff, beneficiary, "access")
    assert request.due_at - request.received_at == dt.timedelta(days=30)
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk)
    assert (done.status, done.outcome) == ("done", "access_export_ready")
    with done.export.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = set(archive.namelist())
    assert {"data.json", "summary-ar.pdf"} <= names
    assert {f"files/{d.pk}-{d.original_name}" for d in documents} <= names
    for d in documents:
        with d.file.open("rb") as original:
            assert archive.read(f"files/{d.pk}-{d.original_name}") == original.read()
    tables = json.loads(archive.read("data.json"))["tables"]
    # Every row of the person, table by table, counted from what was built.
    assert [r["id"] for r in tables["casework.supportcase"]] == sorted(c.pk for c in cases)
    assert len(tables["casework.householdmember"]) == 1
    assert tables["casework.householdmember"][0]["full_name_ar"] == CHILD
    assert sorted(r["score"] for r in tables["casework.satisfactionrating"]) == [4, 5]
    assert len(tables["casework.beneficiarydocument"]) == 2
    for label in (
        "casework.caseevent",
        "casework.checklistitem",
        "casework.referral",
        "casework.attestation",
        "casework.decision",
        "casework.servicedelivery",
        "privacy.caseprocessing",
    ):
        expected = apps.get_model(label).objects.filter(case__in=cases).count()
        assert len(tables[label]) == expected, label
    # Two served requests have events, checklists, decisions, services and their privacy record.
    for label in (
        "casework.caseevent",
        "casework.checklistitem",
        "casework.decision",
        "casework.servicedelivery",
    ):
        assert len(tables[label]) >= 2, label
    assert len(tables["privacy.caseprocessing"]) == 2
    votes = apps.get_model("casework.committeevote").objects.filter(case__in=cases)
    assert sorted(r["reason"] for r in tables["casework.committeevote"]) == sorted(v.reason for v in votes)
    assert tables["casework.beneficiary"][0]["full_name_ar"] == NAME
    assert any(r["via"] == "test" for r in tables["privacy.accesslogentry"])
    assert any(
        r["action"] == "beneficiary.registered" or r["object_type"] == "casework.beneficiary"
        for r in tables["audit.auditevent"]
    )
    assert "token_sha256" not in json.dumps(tables)
    pdf = archive.read("summary-ar.pdf")
    assert pdf.startswith(b"%PDF")
    # The export itself is in the access log.
    assert AccessLogEntry.objects.filter(
        action="export", beneficiary_id=beneficiary.pk, user_email=staff.admin.email
    ).exists()
    with pytest.raises(ServiceError) as twice:
        rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk)
    assert twice.value.code == "already_handled"


def _text_columns() -> list[tuple[str, str]]:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json')",
            [connection.schema_name],
        )
        return list(cursor.fetchall())


def _where(value: str) -> list[str]:
    hits = []
    with db.cursor() as cursor:
        for table, column in _text_columns():
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s',
                ["%" + value + "%"],
            )
            if cursor.fetchone()[0]:
                hits.append(f"{table}.{column}")
    return hits


def test_erasure_leaves_no_name_id_phone_or_document_in_any_column_and_the_figures_unchanged(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any, settings: Any
) -> None:
    beneficiary, _cases, documents = person_with_two_requests(staff)
    child_id = beneficiary.household.get().national_id
    identifiers = [NAME, beneficiary.national_id, PHONE, "+966557654321", CHILD, child_id, "زينب"]
    for value in identifiers:
        if value != PHONE:  # kept as +966…; the local form is searched for after
            assert _where(value), value  # the search finds them before
    today = timezone.localdate()
    period = range_period(start=(today - dt.timedelta(days=1)).isoformat(), end=today.isoformat())
    before = report_selectors.report_summary(period=period)
    files = [media_root / "tenants" / alpha.schema_name / d.file.name for d in documents]
    assert all(f.exists() for f in files)
    # Anonymisation, as the retention job does it when the record's retention ends (an erasure
    # request for a record nothing keeps does the same at once: see the next test).
    with TestCase.captureOnCommitCallbacks(execute=True):
        erasure.beneficiary_anonymise(beneficiary=beneficiary)
    for value in identifiers:
        assert _where(value) == [], value
    assert not any(f.exists() for f in files)
    assert not BeneficiaryDocument.objects.filter(pk__in=[d.pk for d in documents]).exists()
    after = report_selectors.report_summary(period=period)
    # The comments are free text, not figures: they go with the person.
    assert [c["score"] for c in before["satisfaction"].pop("comments")] == [4, 5]
    assert after["satisfaction"].pop("comments") == []
    assert after == before
    assert SupportCase.objects.filter(beneficiary=beneficiary).count() == 2  # the requests are counted still


def test_erasure_of_a_record_nothing_keeps_anonymises_it_at_once(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    beneficiary = register(staff.reception, name=NAME, phone=PHONE)
    request = _open_right(staff, beneficiary, "erasure")
    done = rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk)
    assert done.outcome == "anonymised"
    assert rights.outcome_words(done, "ar") == "جُهّل السجل نهائيًا."
    beneficiary.refresh_from_db()
    assert (beneficiary.full_name_ar, beneficiary.phone_e164) == ("مستفيد مُجهَّل", "")
    assert _where(NAME) == []
    assert _where("+966557654321") == []


def test_erasure_of_a_record_the_law_keeps_restricts_it_until_its_retention_ends(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any
) -> None:
    beneficiary, cases, _docs = person_with_two_requests(staff)
    request = _open_right(staff, beneficiary, "erasure")
    done = rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk)
    hold = RecordHold.objects.get(beneficiary=beneficiary)
    latest = max(c.closed_at for c in SupportCase.objects.filter(pk__in=[c.pk for c in cases]) if c.closed_at)
    assert hold.erase_after is not None
    assert (hold.erase_after - latest).days == 365 * 10 + 2  # ten years for served requests
    assert done.outcome == f"held_until:{hold.erase_after.date().isoformat()}"
    assert "يوجب النظام حفظ السجل" in rights.outcome_words(done, "ar")
    # Hidden from search and lists, kept for the legal purpose.
    assert not selectors.beneficiaries_search(query=NAME).exists()
    assert not selectors.case_inbox(user=staff.admin).filter(beneficiary=beneficiary).exists()
    assert Beneficiary.objects.filter(pk=beneficiary.pk, full_name_ar=NAME).exists()


def test_correction_changes_the_record_and_keeps_the_history(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    beneficiary = register(staff.reception, name="سارة محمد", phone=PHONE)
    request = _open_right(staff, beneficiary, "correction")
    with pytest.raises(ServiceError) as missing:
        rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk)
    assert [p.field for p in missing.value.problems] == ["corrections"]
    done = rights.rights_request_fulfil(
        actor=staff.admin, request_id=request.pk, corrections={"full_name_ar": "سارة بنت محمد العنزي"}
    )
    assert done.status == "done"
    beneficiary.refresh_from_db()
    assert beneficiary.full_name_ar == "سارة بنت محمد العنزي"
    history = AuditEvent.objects.filter(
        object_type="casework.beneficiary", object_id=str(beneficiary.pk)
    ).exclude(changes__full_name_ar=None)
    assert next(
        (e.changes["full_name_ar"]["old"], e.changes["full_name_ar"]["new"])
        for e in history
        if "full_name_ar" in e.changes
    ) == ("سارة محمد", "سارة بنت محمد العنزي")


def test_bad_rights_requests_are_refused_clearly_and_nothing_is_lost(
    alpha: Association, staff: Staff, rumaila: PolicyVersion
) -> None:
    with pytest.raises(ServiceError) as nobody:
        rights.rights_request_open(actor=staff.admin, kind="access", national_id=new_national_id())
    assert [(p.field, p.code) for p in nobody.value.problems] == [("national_id", "no_such_person")]
    assert "لا تحفظ الجمعية بيانات لشخص بهذا الرقم" in nobody.value.problems[0].message_ar
    beneficiary = register(staff.reception)
    with pytest.raises(ServiceError) as not_admin:
        rights.rights_request_open(actor=staff.reception, kind="access", beneficiary_id=beneficiary.pk)
    assert not_admin.value.status == 403
    open_case(staff.reception, beneficiary)
    request = _open_right(staff, beneficiary, "erasure")
    with pytest.raises(ServiceError) as busy:
        rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk)
    assert (busy.value.status, busy.value.code) == (409, "open_request")
    assert RightsRequest.objects.get(pk=request.pk).status == "open"
    with pytest.raises(ServiceError) as stale:
        rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk, expected_revision=9)
    assert stale.value.code == "stale_revision"
    assert RetentionRule.objects.count() == 0


def test_the_admin_handles_a_rights_request_through_the_api_and_downloads_the_export(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any
) -> None:
    beneficiary = register(staff.reception, name=NAME, phone=PHONE)
    admin = Api(alpha, staff.admin)
    unknown = admin.post(
        "/api/v1/privacy/rights-requests/", {"kind": "access", "national_id": new_national_id()}
    )
    assert (unknown.status_code, unknown.json()["error_codes"]) == (400, {"national_id": "no_such_person"})
    opened = admin.post(
        "/api/v1/privacy/rights-requests/", {"kind": "access", "national_id": beneficiary.national_id}
    )
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert (body["status"], body["overdue"], body["export_url"]) == ("open", False, None)
    assert Api(alpha, staff.reception).get("/api/v1/privacy/rights-requests/").status_code == 403
    done = admin.post(f"/api/v1/privacy/rights-requests/{body['id']}/fulfil/", {"revision": body["revision"]})
    assert done.status_code == 200, done.content
    assert done.json()["outcome"] == "A copy of the data is ready to download."
    download = admin.client.get(done.json()["export_url"], headers=admin.headers)
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.getvalue()))
    assert json.loads(archive.read("data.json"))["tables"]["casework.beneficiary"][0]["full_name_ar"] == NAME
    log = admin.get("/api/v1/privacy/access-log/", beneficiary=beneficiary.pk).json()
    assert [(r["action"], r["user_email"]) for r in log] == [("export", staff.admin.email)] * 2
    again = admin.post(f"/api/v1/privacy/rights-requests/{body['id']}/fulfil/", {})
    assert (again.status_code, again.json()["code"]) == (409, "already_handled")


def test_a_retention_period_below_the_legal_minimum_is_refused(alpha: Association, staff: Staff) -> None:
    admin = Api(alpha, staff.admin)
    low = admin.put("/api/v1/privacy/retention/", {"data_class": "served", "years": 3})
    assert (low.status_code, low.json()["error_codes"]) == (400, {"years": "below_legal_minimum"})
    ok = admin.put("/api/v1/privacy/retention/", {"data_class": "other", "years": 7})
    assert ok.status_code == 200
    assert {r["data_class"]: r["years"] for r in ok.json()} == {"served": 10, "other": 7, "access_log": 2}
    connection.set_tenant(alpha)
    assert AuditEvent.objects.filter(action="privacy.retention_set").count() == 1
