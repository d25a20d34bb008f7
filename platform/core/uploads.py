"""Uploaded documents: what Sila accepts (PDF, PNG, JPEG up to 10 MB), judged by content, not name."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile

from core.errors import FieldProblem

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_SIGNATURES: dict[bytes, str] = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def document_check(upload: UploadedFile, *, field: str) -> tuple[str | None, list[FieldProblem]]:
    """The upload's content type, or the field-level problems that refuse it."""
    if (upload.size or 0) > MAX_DOCUMENT_BYTES:
        return None, [
            FieldProblem(field, "too_large", "الملف أكبر من ١٠ ميغابايت.", "The file is larger than 10 MB.")
        ]
    head = upload.read(8)
    upload.seek(0)
    for signature, content_type in DOCUMENT_SIGNATURES.items():
        if head.startswith(signature):
            return content_type, []
    return None, [
        FieldProblem(
            field,
            "unsupported_type",
            "يُقبل ملف PDF أو صورة PNG/JPEG فقط.",
            "Only a PDF, PNG or JPEG file is accepted.",
        )
    ]
