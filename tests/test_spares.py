"""Spare schemas (tenants.spares): cloned ahead of time, renamed into a new association's schema
by provisioning, refilled, and dropped once the template has moved on."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django_tenants.utils import schema_exists
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.models import User
from audit.models import AuditEvent
from tenants import schemas
from tenants.db import connection
from tenants.services import association_provision
from tenants.spares import PREFIX, spare_names, spares_refill
from tests.test_provisioning import _catalogue

pytestmark = pytest.mark.django_db

NAMES: dict[str, Any] = {"name_ar": "جمعية الاختبار", "name_en": "Test Association"}


def test_refill_clones_fresh_spares_up_to_the_number_wanted_and_no_more() -> None:
    assert spare_names() == []
    assert spares_refill(wanted=2) == {"created": 2, "dropped": 0}
    names = spare_names()
    assert len(names) == 2
    assert all(name.startswith(PREFIX) for name in names)
    assert all(not schemas.pending_migrations(name) for name in names)
    assert spares_refill(wanted=2) == {"created": 0, "dropped": 0}
    assert spares_refill(wanted=1) == {"created": 0, "dropped": 1}
    assert spare_names() == names[:1]  # the oldest is kept (claims take the oldest)


def test_provisioning_renames_a_spare_into_a_complete_association(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.SILA_SPARE_SCHEMAS = 1
    spares_refill(wanted=2)
    oldest, newer = spare_names()
    with django_capture_on_commit_callbacks(execute=True):
        result = association_provision(slug="gamma", admin_email="admin@gamma.test", spare=True, **NAMES)
    assert (result.created, result.method, result.admin_created) == (True, "spare", True)
    assert spare_names() == [newer]
    assert not schema_exists(oldest)
    assert not schemas.pending_migrations("gamma")
    assert _catalogue("gamma") == _catalogue(schemas.template_schema())
    connection.set_tenant(result.association)
    assert User.objects.filter(email="admin@gamma.test").exists()
    connection.set_schema_to_public()
    event = AuditEvent.objects.get(
        action="association.provisioned", changes__admin_email__new="admin@gamma.test"
    )
    assert event.changes["method"]["new"] == "spare"
    assert Client(HTTP_HOST="gamma.localhost").get("/").status_code == 200
    # The pool is topped up in the background.
    assert ProcrastinateJob.objects.filter(task_name="tenants.spares_refill", status="todo").count() == 1


def test_without_a_spare_provisioning_clones() -> None:
    result = association_provision(slug="gamma", admin_email="admin@gamma.test", spare=True, **NAMES)
    assert result.method == "clone"


def test_a_rolled_back_provisioning_gives_the_spare_back() -> None:
    spares_refill(wanted=1)
    [name] = spare_names()
    with pytest.raises(RuntimeError), transaction.atomic():
        association_provision(slug="gamma", admin_email="admin@gamma.test", spare=True, **NAMES)
        raise RuntimeError("something later failed")
    connection.set_schema_to_public()
    assert spare_names() == [name]
    assert not schema_exists("gamma")


def test_a_spare_the_template_moved_on_from_is_skipped_then_dropped() -> None:
    spares_refill(wanted=1)
    [stale] = spare_names()
    with connection.cursor() as cursor:  # as if cloned before the latest migration
        cursor.execute(
            f'DELETE FROM "{stale}".django_migrations WHERE id = (SELECT max(id) FROM "{stale}".django_migrations)'
        )
    result = association_provision(slug="gamma", admin_email="admin@gamma.test", spare=True, **NAMES)
    assert result.method == "clone"
    assert spare_names() == [stale]
    assert spares_refill(wanted=1) == {"created": 1, "dropped": 1}
    assert stale not in spare_names()
