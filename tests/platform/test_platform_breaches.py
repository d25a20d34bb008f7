"""The platform's breach register in the console: platform admins only (with MFA), the 72-hour
clock, the associations named by their short names, bad input refused by field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from ops.models import PlatformBreach
from tenants.db import connection
from tenants.models import Association
from tests.conftest import host_for
from tests.platform.test_console import operator  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_platform_admin_records_a_breach_and_its_notifications(
    operator: Client,  # noqa: F811 - the console tests' fixture
    tenant_a: Association,
) -> None:
    found = (timezone.localtime() - dt.timedelta(hours=5, minutes=30)).strftime("%Y-%m-%dT%H:%M")
    bad = operator.post(
        "/console/breaches/",
        {
            "what_happened": "x",
            "data_affected": "y",
            "people_affected": "2",
            "associations": "nowhere",
            "found_at": found,
        },
    )
    assert bad.status_code == 400
    assert "Unknown associations: nowhere" in bad.content.decode()
    connection.set_schema_to_public()
    assert not PlatformBreach.objects.exists()
    recorded = operator.post(
        "/console/breaches/",
        {
            "what_happened": "A backup copy was readable by a wrong account",
            "data_affected": "beneficiary names",
            "people_affected": "40",
            "associations": "alpha",
            "found_at": found,
        },
    )
    assert recorded.status_code == 302
    page = operator.get("/console/breaches/").content.decode()
    assert "66 hours left to notify the authority." in page  # 72 h from 5 h 30 min ago
    connection.set_schema_to_public()
    breach = PlatformBreach.objects.get()
    assert breach.associations == "alpha"
    notified = operator.post(
        "/console/breaches/", {"action": "notified", "who": "authority", "breach": breach.pk, "revision": 1}
    )
    assert notified.status_code == 302
    assert "The authority was notified in time." in operator.get("/console/breaches/").content.decode()
    connection.set_schema_to_public()
    assert AuditEvent.objects.filter(action__startswith="console.breach_").count() == 2
    # An association's host does not serve the console.
    assert Client(HTTP_HOST=host_for(tenant_a)).get("/console/breaches/").status_code == 404
