"""Uploaded documents: what Sila accepts (PDF, PNG, JPEG up to 10 MB), judged by the whole content
and by the name's extension, never by the first bytes alone (an HTML page that starts with a PDF
header is not a PDF, and a browser shown it might run its scripts)."""

from __future__ import annotations

import re
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from core.errors import FieldProblem

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_SIGNATURES: dict[bytes, str] = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
EXTENSIONS = {"application/pdf": {".pdf"}, "image/png": {".png"}, "image/jpeg": {".jpg", ".jpeg"}}
_PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}
# Markup a browser would render or run: never inside a document Sila serves back.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed)\b", re.IGNORECASE)


def _problem(field: str, code: str, message_ar: str, message_en: str) -> tuple[None, list[FieldProblem]]:
    return None, [FieldProblem(field, code, message_ar, message_en)]


def _whole_content_ok(upload: UploadedFile, content_type: str) -> bool:
    data = b"".join(upload.chunks())
    upload.seek(0)
    if _MARKUP.search(data):
        return False
    if content_type == "application/pdf":
        # A PDF ends with its trailer; an HTML or script file wearing a PDF header does not.
        return b"%%EOF" in data[-2048:]
    try:
        with Image.open(upload) as image:
            if image.format != _PIL_FORMATS[content_type]:
                return False
            image.verify()  # reads the whole image structure (checksums, truncation)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    finally:
        upload.seek(0)
    return True


def document_check(upload: UploadedFile, *, field: str) -> tuple[str | None, list[FieldProblem]]:
    """The upload's content type, or the field-level problems that refuse it."""
    if (upload.size or 0) > MAX_DOCUMENT_BYTES:
        return _problem(field, "too_large", "الملف أكبر من ١٠ ميغابايت.", "The file is larger than 10 MB.")
    head = upload.read(8)
    upload.seek(0)
    content_type = next((kind for sig, kind in DOCUMENT_SIGNATURES.items() if head.startswith(sig)), None)
    if content_type is None or not _whole_content_ok(upload, content_type):
        return _problem(
            field,
            "unsupported_type",
            "يُقبل ملف PDF أو صورة PNG/JPEG فقط.",
            "Only a PDF, PNG or JPEG file is accepted.",
        )
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in EXTENSIONS[content_type]:
        return _problem(
            field,
            "extension_mismatch",
            "امتداد اسم الملف لا يطابق محتواه (يُقبل ‎.pdf‎ أو ‎.png‎ أو ‎.jpg‎).",
            "The file name's extension does not match its content (.pdf, .png or .jpg).",
        )
    return content_type, []
