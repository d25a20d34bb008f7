"""`make demo`'s data shows the privacy features (issue 14's "done when"): each association's
published notice, consents recorded at intake, and one person served by Rumaila and Jamoum with
consent to the cross-association check, flagged on both associations' screens with neither seeing
the other's data; at Rumaila, the same person has two served, rated requests and two documents,
and their access export holds every one."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, TestCase

from accounts.models import User
from casework.models import Beneficiary, BeneficiaryDocument, CaseStatus, SatisfactionRating
from casework.privacy import rights
from casework.privacy.models import CaseProcessing, Consent, PrivacyNotice
from sila.demo import demo_setup
from sila.demo_privacy import SHARED_NAME, SHARED_NATIONAL_ID, SHARED_PHONES
from tenants.crosscheck import id_hmac
from tenants.db import connection
from tenants.models import Association, CrossCheckEntry

pytestmark = pytest.mark.django_db


def _staff_client(data: dict[str, Any], slug: str) -> Client:
    entry = next(a for a in data["associations"] if a["slug"] == slug)
    login = next(x for x in entry["logins"] if x["email"].startswith("reception@"))
    client = Client(HTTP_HOST=f"{slug}.localhost")
    signed = client.post("/accounts/login/", {"login": login["email"], "password": login["password"]})
    assert signed.status_code == 302
    return client


def _shared(slug: str) -> Beneficiary:
    connection.set_tenant(Association.objects.get(slug=slug))
    return Beneficiary.objects.get(national_id=SHARED_NATIONAL_ID)


def _phone_forms(mobile: str) -> list[str]:
    return [mobile, "+966" + mobile[1:], mobile[1:], mobile[-4:]]


def test_the_demo_shows_notices_consents_and_a_person_flagged_at_two_associations(
    tmp_path: Path, media_root: Any
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):  # the documents' files are written then
        data = demo_setup(port=8000, credentials_file=tmp_path / "credentials.json")

    for slug in ("rumaila", "jamoum", "mawsam", "baraa"):
        connection.set_schema_to_public()
        connection.set_tenant(Association.objects.get(slug=slug))
        notice = PrivacyNotice.objects.get()
        assert (notice.version, notice.from_template) == (1, True)
        assert notice.published_by is not None and notice.published_by.email.startswith("admin@")
        # Every sample request recorded at intake its basis, the notice and the consents asked.
        processed = CaseProcessing.objects.all()
        assert processed.count() >= 10
        assert set(processed.values_list("consents_asked", "lawful_basis", "notice__version")) == {
            (True, "request", 1)
        }
        asked = {p.case.beneficiary_id for p in processed.select_related("case")}
        texts = set(Consent.objects.filter(kind="sms").values_list("beneficiary_id", flat=True))
        assert texts == asked
        assert Consent.objects.filter(kind="cross_check").exists()
        connection.set_schema_to_public()

    # The person served by both, with a different mobile number at each.
    rumaila_person, jamoum_person = _shared("rumaila"), _shared("jamoum")
    connection.set_schema_to_public()
    marks = CrossCheckEntry.objects.filter(id_hmac=id_hmac(SHARED_NATIONAL_ID))
    assert sorted((m.association.slug, m.named) for m in marks) == [("jamoum", False), ("rumaila", True)]

    screens = {}
    for slug, person in (("rumaila", rumaila_person), ("jamoum", jamoum_person)):
        client = _staff_client(data, slug)
        record = client.get(f"/staff/beneficiaries/{person.pk}/")
        assert record.status_code == 200
        assert f"/staff/beneficiaries/{person.pk}/privacy" in record.content.decode()
        checked = client.post(f"/staff/beneficiaries/{person.pk}/privacy", {"action": "check"})
        assert checked.status_code == 200
        page = checked.content.decode()
        found = re.search(r'<div class="notice" role="status">(.*?)</div>', page, re.S)
        assert found is not None, page
        screens[slug] = (page, found.group(1))

    rumaila_name = Association.objects.get(slug="rumaila").name_ar
    jamoum_name = Association.objects.get(slug="jamoum").name_ar
    # Jamoum's staff see one other association, named (she allowed Rumaila to be named)...
    assert "تخدمه جمعية أخرى واحدة." in screens["jamoum"][1]
    assert rumaila_name in screens["jamoum"][1]
    # ...Rumaila's staff see one other association and not which (she did not allow it at Jamoum).
    assert "تخدمه جمعية أخرى واحدة." in screens["rumaila"][1]
    assert jamoum_name not in screens["rumaila"][1]
    # Nothing of the other's record crosses: not the other mobile number in any form.
    for form in _phone_forms(SHARED_PHONES["rumaila"]):
        assert form not in screens["jamoum"][0]
    for form in _phone_forms(SHARED_PHONES["jamoum"]):
        assert form not in screens["rumaila"][0]
    # The shared register holds a keyed hash, the association and its category: no ID, name or phone.
    connection.set_schema_to_public()
    for row in CrossCheckEntry.objects.filter(id_hmac=id_hmac(SHARED_NATIONAL_ID)).values():
        stored = json.dumps(row, default=str, ensure_ascii=False)
        for secret in (SHARED_NATIONAL_ID, SHARED_NAME, *SHARED_PHONES.values(), SHARED_PHONES["jamoum"][1:]):
            assert secret not in stored

    # At Rumaila the same person is the access export's example: two requests, documents, ratings.
    rumaila_person = _shared("rumaila")
    cases = list(rumaila_person.cases.order_by("pk"))
    assert [c.status for c in cases] == [CaseStatus.CLOSED, CaseStatus.CLOSED]
    assert SatisfactionRating.objects.filter(case__in=cases).count() == 2
    documents = list(BeneficiaryDocument.objects.filter(beneficiary=rumaila_person))
    assert len(documents) == 2
    admin = User.objects.get(email="admin@rumaila.sila.example")
    request = rights.rights_request_open(actor=admin, kind="access", beneficiary_id=rumaila_person.pk)
    done = rights.rights_request_fulfil(actor=admin, request_id=request.pk)
    with zipfile.ZipFile(io.BytesIO(done.export.read())) as archive:
        names = archive.namelist()
        exported = json.loads(archive.read("data.json"))
    tables = exported["tables"]
    assert {row["id"] for row in tables["casework.supportcase"]} == {c.pk for c in cases}
    assert len(tables["casework.satisfactionrating"]) == 2
    assert {row["id"] for row in tables["casework.beneficiarydocument"]} == {d.pk for d in documents}
    assert sum(1 for name in names if name.startswith("files/")) == 2
    assert "summary-ar.pdf" in names
