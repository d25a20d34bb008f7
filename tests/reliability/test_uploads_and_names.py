"""Uploads are judged by their whole content and their name's extension; files are named in
answers the same way whatever the language (an Arabic name must not break the header)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from PIL import Image

from core.http import name_file
from core.uploads import document_check
from tenants.models import Association
from tests.casework.conftest import TINY_PDF, Api, Staff
from tests.conftest import host_for


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.pdf", TINY_PDF, "application/pdf"),
        ("a.PNG", _png(), "image/png"),
        ("a.jpeg", _jpeg(), "image/jpeg"),
        ("a.jpg", _jpeg(), "image/jpeg"),
    ],
)
def test_real_documents_are_accepted(name: str, content: bytes, expected: str) -> None:
    assert document_check(SimpleUploadedFile(name, content), field="file") == (expected, [])


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        # An HTML page wearing a PDF header: what a browser would run if it sniffed it.
        ("a.pdf", b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>", "unsupported_type"),
        ("a.pdf", TINY_PDF.replace(b"%%EOF", b"") + b"<script>x()</script>", "unsupported_type"),
        ("a.pdf", TINY_PDF + b"<html><script>alert(1)</script>", "unsupported_type"),
        ("a.png", b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>", "unsupported_type"),
        ("a.png", _png()[:40], "unsupported_type"),  # cut short
        ("a.jpg", b"\xff\xd8\xff" + b"<html>", "unsupported_type"),
        ("a.html", TINY_PDF, "extension_mismatch"),
        ("a.png", TINY_PDF, "extension_mismatch"),
        ("a.pdf", _png(), "extension_mismatch"),
        ("pdf", TINY_PDF, "extension_mismatch"),
    ],
)
def test_disguised_or_misnamed_files_are_refused(name: str, content: bytes, code: str) -> None:
    content_type, problems = document_check(SimpleUploadedFile(name, content), field="file")
    assert content_type is None
    assert [(p.field, p.code) for p in problems] == [("file", code)]


def test_an_arabic_file_name_is_sent_as_rfc_5987() -> None:
    response = name_file(HttpResponse(), "لائحة الجمعية.pdf")
    header = response["Content-Disposition"]
    header.encode("latin-1")  # a header that cannot be encoded is what broke before
    assert header.startswith("inline; filename*=utf-8''")
    assert "%D9%84%D8%A7%D8%A6%D8%AD%D8%A9" in header
    assert name_file(HttpResponse(), "bylaws.pdf", inline=False)["Content-Disposition"] == (
        'attachment; filename="bylaws.pdf"'
    )


@pytest.mark.django_db
def test_a_policy_document_with_an_arabic_name_downloads(
    alpha: Association, staff: Staff, media_root: Path
) -> None:
    api = Api(alpha, staff.admin)
    response = api.multipart(
        "/api/v1/policy/attachments/", {"file": SimpleUploadedFile("نموذج الشكوى.pdf", TINY_PDF)}
    )
    assert response.status_code == 201, response.content
    attachment_id = response.json()["id"]
    client = Client(HTTP_HOST=host_for(alpha))
    client.force_login(staff.admin)
    download: Any = client.get(f"/policy/documents/{attachment_id}")
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        "inline; filename*=utf-8''%D9%86%D9%85%D9%88%D8%B0%D8%AC%20%D8%A7%D9%84%D8%B4%D9%83%D9%88%D9%89.pdf"
    )
    assert b"".join(download.streaming_content) == TINY_PDF


@pytest.mark.django_db
def test_a_disk_without_room_for_a_document_is_a_507_and_nothing_is_saved(
    alpha: Association, staff: Staff, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The room is checked before the commit (the file itself is written after it): a full disk
    fails the request, and neither the row nor a file is left."""
    from collections import namedtuple
    from shutil import disk_usage

    from casework.models import BeneficiaryDocument
    from casework.services import documents
    from tenants.db import connection
    from tests.casework.conftest import register

    beneficiary = register(staff.reception)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(documents.shutil, "disk_usage", lambda _path: usage(10**9, 10**9 - 4096, 4096))
    api = Api(alpha, staff.reception)
    api.client.raise_request_exception = False  # answered as a server answers it, not re-raised
    full = api.multipart(
        f"/api/v1/beneficiaries/{beneficiary.pk}/documents/", {"file": SimpleUploadedFile("id.pdf", TINY_PDF)}
    )
    assert (full.status_code, full.json()["code"]) == (507, "storage_full")
    connection.set_tenant(alpha)
    assert not BeneficiaryDocument.objects.filter(beneficiary=beneficiary).exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    monkeypatch.undo()
    assert documents.shutil.disk_usage is disk_usage
    room = api.multipart(
        f"/api/v1/beneficiaries/{beneficiary.pk}/documents/", {"file": SimpleUploadedFile("id.pdf", TINY_PDF)}
    )
    assert room.status_code == 201, room.content
