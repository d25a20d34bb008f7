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


@pytest.mark.parametrize(
    ("urlconf", "committed_file"),
    [("sila.urls.tenant", "openapi.yaml"), ("sila.urls.public", "openapi-platform.yaml")],
)
def test_committed_schema_matches_the_code(tmp_path: Path, urlconf: str, committed_file: str) -> None:
    """Each association's API (docs/openapi.yaml) and the platform's own, on the bare domain
    (sign-ups: docs/openapi-platform.yaml)."""
    out = tmp_path / "openapi.yaml"
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--urlconf",
            urlconf,
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
    committed = yaml.safe_load((ROOT / "docs" / committed_file).read_text(encoding="utf-8"))
    assert yaml.safe_load(out.read_text(encoding="utf-8")) == committed, (
        f"docs/{committed_file} is stale: regenerate it with `make openapi`"
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


@pytest.mark.parametrize("committed_file", ["openapi.yaml", "openapi-platform.yaml"])
def test_every_error_is_described_by_the_one_error_body(committed_file: str) -> None:
    """The API answers one error shape (core.api.exception_handler): the schema names it once,
    `Error`, not a copy per API (the team's and the board seats' had their own)."""
    schemas = yaml.safe_load((ROOT / "docs" / committed_file).read_text(encoding="utf-8"))["components"][
        "schemas"
    ]
    error_shaped = sorted(
        name
        for name, schema in schemas.items()
        if {"code", "detail"} <= set(schema.get("properties", {}))
        and set(schema.get("properties", {})) <= {"code", "detail", "errors", "error_codes"}
    )
    assert error_shaped == ["Error"]
