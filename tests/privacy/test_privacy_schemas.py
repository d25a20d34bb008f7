"""The privacy API's request schemas (docs/openapi.yaml) say what its validation refuses, so a
client that follows the schema is not refused with a 400 (the contract run no longer has to allow
one for these operations); and what the schema forbids, the API refuses by field."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from casework.privacy import breaches, retention
from casework.privacy.models import Breach, RetentionClass
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Api, Staff

ROOT = Path(__file__).resolve().parents[2]
SCHEMA: dict[str, Any] = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
COMPONENTS: dict[str, Any] = SCHEMA["components"]["schemas"]


def _component(ref: str) -> dict[str, Any]:
    found: dict[str, Any] = COMPONENTS[ref.rsplit("/", 1)[-1]]
    return found


def _body(path: str, method: str) -> dict[str, Any]:
    body: dict[str, Any] = SCHEMA["paths"][path][method]["requestBody"]
    assert body["required"] is True, (path, method)
    return _component(body["content"]["application/json"]["schema"]["$ref"])


def test_each_retention_class_has_its_own_bounds_in_the_schema() -> None:
    shapes = _body("/api/v1/privacy/retention/", "put")["discriminator"]["mapping"]
    declared = {}
    for data_class, ref in shapes.items():
        shape = _component(ref)
        assert _component(shape["properties"]["data_class"]["$ref"])["enum"] == [data_class]
        years = shape["properties"]["years"]
        declared[data_class] = (years["minimum"], years["maximum"])
    assert declared == {
        c.value: (retention.BOUNDS[c].minimum, retention.BOUNDS[c].maximum) for c in RetentionClass
    }


def test_a_breach_requires_in_the_schema_what_the_service_requires() -> None:
    created = _body("/api/v1/privacy/breaches/", "post")
    assert sorted(created["required"]) == sorted(breaches.REQUIRED)
    blank_text = re.compile(created["properties"]["what_happened"]["pattern"])
    assert blank_text.search("فقد جهاز") and not blank_text.search(" \t\n")
    refused = _body("/api/v1/privacy/rights-requests/{id}/refuse/", "post")
    assert refused["properties"]["reason"]["pattern"] == created["properties"]["what_happened"]["pattern"]


def test_the_access_log_filter_is_a_record_id_in_the_schema() -> None:
    (parameter,) = SCHEMA["paths"]["/api/v1/privacy/access-log/"]["get"]["parameters"]
    assert (parameter["name"], parameter["schema"]["type"], parameter["schema"]["minimum"]) == (
        "beneficiary",
        "integer",
        1,
    )


def test_the_contract_run_allows_a_400_only_where_the_schema_cannot_say_why() -> None:
    settings = tomllib.loads((ROOT / "tests" / "contract" / "schemathesis.toml").read_text(encoding="utf-8"))
    allowed = {op for group in settings["operations"] for op in group.get("include-operation-id", [])}
    strict = {
        "v1_privacy_retention_update",
        "v1_privacy_rights_requests_refuse_create",
        "v1_privacy_access_log_list",
    }
    assert not strict & allowed
    assert {"v1_privacy_breaches_create", "v1_privacy_rights_requests_create"} <= allowed


@pytest.mark.django_db
def test_what_the_schema_forbids_is_refused_by_field(alpha: Association, staff: Staff) -> None:
    admin = Api(alpha, staff.admin)
    blank = admin.post(
        "/api/v1/privacy/breaches/",
        {"what_happened": "   ", "data_affected": "الأسماء", "people_affected": 2},
    )
    assert blank.status_code == 400
    assert set(blank.json()["errors"]) == {"what_happened", "found_at"}
    too_short = admin.put("/api/v1/privacy/retention/", {"data_class": "served", "years": 9})
    assert (too_short.status_code, too_short.json()["error_codes"]) == (400, {"years": "below_legal_minimum"})
    too_long = admin.put("/api/v1/privacy/retention/", {"data_class": "access_log", "years": 11})
    assert (too_long.status_code, too_long.json()["error_codes"]) == (400, {"years": "above_maximum"})
    connection.set_tenant(alpha)
    assert not Breach.objects.exists()
