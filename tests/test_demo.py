"""`make demo`'s setup: the platform and the five associations, idempotent, with working logins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from casework.models import SupportCase
from policy_engine.models import PolicyStatus, PolicyVersion
from sila.demo import demo_setup
from tenants.db import connection
from tenants.models import Association
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db

SLUGS = ["rumaila", "jamoum", "mawsam", "tabuk", "baraa"]


def test_demo_setup_provisions_the_five_associations_once(tmp_path: Path) -> None:
    credentials = tmp_path / "demo-credentials.json"
    first = demo_setup(port=8000, credentials_file=credentials)
    saved = json.loads(credentials.read_text(encoding="utf-8"))
    assert saved == first
    assert [a["slug"] for a in first["associations"]] == SLUGS
    assert first["associations"][1]["url"] == "http://jamoum.localhost:8000"
    assert first["associations"][1]["name_ar"] == "جمعية رعاية الأيتام بالجموم"

    connection.set_schema_to_public()
    counts = {}
    for slug in SLUGS:
        association = Association.objects.get(slug=slug)
        connection.set_tenant(association)
        counts[slug] = (PolicyVersion.objects.count(), SupportCase.objects.count())
        version = PolicyVersion.objects.get(number=1)
        # Tabuk's printed policy has no approval: it waits for its board; the others are in force.
        assert version.status == (PolicyStatus.SUBMITTED if slug == "tabuk" else PolicyStatus.IN_FORCE)
        if slug != "tabuk":
            steps = {s["step"] for s in version.document["procedure"]}
            open_steps = set(SupportCase.objects.filter(status="open").values_list("step", flat=True))
            assert open_steps == steps  # a sample request rests in every step
        connection.set_schema_to_public()

    second = demo_setup(port=8000, credentials_file=credentials)
    assert second == first  # same logins, same tokens
    for slug in SLUGS:
        connection.set_tenant(Association.objects.get(slug=slug))
        assert (PolicyVersion.objects.count(), SupportCase.objects.count()) == counts[slug]
        connection.set_schema_to_public()

    jamoum = first["associations"][1]
    reception = next(login for login in jamoum["logins"] if login["email"].startswith("reception@"))
    client = Client(HTTP_HOST="jamoum.localhost")
    assert (
        client.post(
            "/accounts/login/", {"login": reception["email"], "password": reception["password"]}
        ).status_code
        == 302
    )
    assert "totp_secret" not in reception  # reception needs no second factor by default
    admin = next(login for login in jamoum["logins"] if login["email"].startswith("admin@"))
    admin_client = Client(HTTP_HOST="jamoum.localhost")
    step = admin_client.post("/accounts/login/", {"login": admin["email"], "password": admin["password"]})
    assert step["Location"] == "/accounts/2fa/authenticate/"
    admin_client.post("/accounts/2fa/authenticate/", {"code": totp_code(admin["totp_secret"])})
    assert admin_client.get("/staff/policy/").status_code == 200
    bearer = {"authorization": f"Bearer {reception['api_token']}"}
    inbox = Client(HTTP_HOST="jamoum.localhost").get("/api/v1/cases/", headers=bearer)
    assert inbox.status_code == 200 and inbox.json()["count"] == counts["jamoum"][1]
    assert Client(HTTP_HOST="mawsam.localhost").get("/api/v1/cases/", headers=bearer).status_code == 401
    home = Client(HTTP_HOST="jamoum.localhost").get("/").content.decode()
    assert "جمعية رعاية الأيتام بالجموم" in home
