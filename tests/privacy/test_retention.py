"""The retention job: what it anonymises (records past their period, restricted records whose
legal hold ran out), what it keeps, the access log rows it deletes, and its report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from casework.models import Beneficiary, CaseStatus, SupportCase
from casework.privacy import rights
from casework.privacy.models import AccessLogEntry, RecordHold, RetentionRun
from casework.privacy.tasks import privacy_retention_apply, retention_apply
from policy_engine.models import PolicyVersion
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Staff, open_case, register
from tests.casework.test_casework_flow import take_step

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
