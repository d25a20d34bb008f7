"""The committed OpenAPI schema (docs/openapi.yaml) is the one the code serves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db


def test_committed_schema_matches_the_code(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--urlconf",
            "sila.urls.tenant",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "sila.settings.test"},
    )
    committed = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == committed, (
        "docs/openapi.yaml is stale: regenerate it with `make openapi`"
    )


def test_each_association_serves_its_schema(client_a: Client) -> None:
    response = client_a.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = (
        response.json()["paths"]
        if response["Content-Type"].endswith("json")
        else yaml.safe_load(response.content)["paths"]
    )
    for path in (
        "/api/v1/policy/effective",
        "/api/v1/cases/",
        "/api/v1/cases/{id}/transitions/",
        "/api/v1/beneficiaries/",
    ):
        assert path in paths
