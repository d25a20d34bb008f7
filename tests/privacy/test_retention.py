"""The retention job: what it anonymises (records past their period, restricted records whose
legal hold ran out), what it keeps, the access log rows it deletes, and its report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone

from audit.models import AuditEvent
from casework.models import Beneficiary, CaseStatus, SupportCase
from casework.privacy import rights
from casework.privacy.models import AccessLogEntry, RecordHold, RetentionRun, RightsRequest
from casework.privacy.tasks import privacy_retention_apply, retention_apply
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Api, Staff, open_case, register
from tests.casework.test_casework_flow import take_step
from tests.casework.test_casework_screens import body, browser

pytestmark = pytest.mark.django_db


def served(staff: Staff, name: str, closed_years_ago: float) -> Beneficiary:
    beneficiary = register(staff.reception, name=name)
    case = open_case(staff.reception, beneficiary)
    while case.status == CaseStatus.OPEN:
        case = take_step(case, staff)
    SupportCase.objects.filter(pk=case.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=int(365.25 * closed_years_ago))
    )
    return beneficiary


def test_the_job_anonymises_what_is_past_retention_keeps_the_rest_and_reports(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any
) -> None:
    old = served(staff, "عبدالرحمن بن سعد الشمري", closed_years_ago=11)
    recent = served(staff, "هند بنت علي الدوسري", closed_years_ago=3)
    held = served(staff, "منيرة بنت حمد السبيعي", closed_years_ago=1)
    request = rights.rights_request_open(actor=staff.admin, kind="erasure", beneficiary_id=held.pk)
    rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk)
    RecordHold.objects.filter(beneficiary=held).update(erase_after=timezone.now() - dt.timedelta(days=1))
    never = register(staff.reception, name="فيصل بن ناصر المطيري")  # no request: nothing to count yet
    AccessLogEntry.objects.create(
        user_id=1, user_email="a@alpha.test", action="view", beneficiary_id=recent.pk, via="t"
    )
    AccessLogEntry.objects.filter(via="t").update(at=timezone.now() - dt.timedelta(days=365 * 3))
    AccessLogEntry.objects.create(
        user_id=1, user_email="a@alpha.test", action="view", beneficiary_id=recent.pk, via="u"
    )

    run = retention_apply()

    assert (run.anonymised, run.access_log_deleted) == (2, 1)
    names = dict(
        Beneficiary.objects.filter(pk__in=[old.pk, recent.pk, held.pk, never.pk]).values_list(
            "pk", "full_name_ar"
        )
    )
    assert names == {
        old.pk: "مستفيد مُجهَّل",
        recent.pk: "هند بنت علي الدوسري",
        held.pk: "مستفيد مُجهَّل",
        never.pk: "فيصل بن ناصر المطيري",
    }
    assert list(AccessLogEntry.objects.values_list("via", flat=True)) == ["u"]
    assert AuditEvent.objects.filter(action="privacy.retention_applied", object_id=str(run.pk)).exists()
    # A second run finds nothing more to do.
    assert retention_apply().anonymised == 0
    assert RetentionRun.objects.count() == 2


def test_the_scheduled_task_runs_in_every_association(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, tenant_b: Association
) -> None:
    served(staff, "عبدالرحمن بن سعد الشمري", closed_years_ago=12)
    connection.set_schema_to_public()
    assert privacy_retention_apply(timestamp=0) == 1
    connection.set_tenant(tenant_b)
    assert RetentionRun.objects.count() == 1  # beta ran too, with nothing to do
    connection.set_tenant(alpha)
    assert RetentionRun.objects.get().anonymised == 1


def test_the_job_goes_by_the_anonymised_mark_not_by_the_replacement_name(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any
) -> None:
    # A person whose name (as written in the registry) is the one anonymisation writes is still
    # a person: their record is anonymised when its retention ends, like anyone's.
    namesake = served(staff, "عبدالرحمن بن سعد الشمري", closed_years_ago=11)
    Beneficiary.objects.filter(pk=namesake.pk).update(full_name_ar="مستفيد مُجهَّل")
    other = served(staff, "هند بنت علي الدوسري", closed_years_ago=11)
    assert Beneficiary.objects.filter(anonymised_at__isnull=False).count() == 0

    assert retention_apply().anonymised == 2

    marked = dict(
        Beneficiary.objects.filter(pk__in=[namesake.pk, other.pk]).values_list("pk", "anonymised_at")
    )
    assert None not in marked.values()
    assert not Beneficiary.objects.filter(pk=namesake.pk, national_id=namesake.national_id).exists()
    # Once marked, a record is not anonymised again, whatever its name now says.
    Beneficiary.objects.filter(pk=other.pk).update(full_name_ar="اسم آخر")
    assert retention_apply().anonymised == 0
    assert Beneficiary.objects.get(pk=other.pk).anonymised_at == marked[other.pk]


def _exported(staff: Staff, name: str, prepared_days_ago: int) -> RightsRequest:
    person = register(staff.reception, name=name)
    request = rights.rights_request_open(actor=staff.admin, kind="access", beneficiary_id=person.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = rights.rights_request_fulfil(actor=staff.admin, request_id=request.pk)
    RightsRequest.objects.filter(pk=done.pk).update(
        completed_at=timezone.now() - dt.timedelta(days=prepared_days_ago)
    )
    done.refresh_from_db()
    return done


def test_access_exports_are_deleted_after_their_days_audited_and_the_admin_is_told(
    alpha: Association, staff: Staff, rumaila: PolicyVersion, media_root: Any, settings: Any
) -> None:
    settings.SILA_ACCESS_EXPORT_DAYS = 30
    old = _exported(staff, "عبدالرحمن بن سعد الشمري", prepared_days_ago=31)
    recent = _exported(staff, "هند بنت علي الدوسري", prepared_days_ago=29)
    stored = [r.export for r in (old, recent)]
    assert all(f.storage.exists(f.name) for f in stored)  # real files, in the association's media
    old_file = stored[0]

    with TestCase.captureOnCommitCallbacks(execute=True):
        run = retention_apply()

    assert run.exports_expired == 1
    assert not old_file.storage.exists(old_file.name)  # the file itself is gone
    assert stored[1].storage.exists(stored[1].name)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.export.name, recent.export.name) == ("", stored[1].name)
    assert old.export_expired_at is not None and recent.export_expired_at is None
    audit = AuditEvent.objects.get(action="privacy.access_export_expired")
    assert (audit.object_id, audit.changes["export"]["old"]) == (str(old.pk), old_file.name)
    assert AuditEvent.objects.get(action="privacy.retention_applied").changes["exports_expired"]["new"] == 1

    admin = Api(alpha, staff.admin)
    listed = {r["id"]: r for r in admin.get("/api/v1/privacy/rights-requests/").json()}
    assert listed[old.pk]["export_url"] is None and listed[old.pk]["export_expired_at"]
    assert listed[recent.pk]["export_url"] and listed[recent.pk]["export_expired_at"] is None
    assert admin.client.get(f"/api/v1/privacy/rights-requests/{old.pk}/export/").status_code == 404
    page = body(browser(alpha, staff.admin).get("/staff/privacy/"))
    assert "انتهت مدة حفظ نسخة بياناته وحُذفت في" in page and "بعد 30 يومًا من إعدادها" in page
    assert retention_apply().exports_expired == 0  # nothing left to expire
