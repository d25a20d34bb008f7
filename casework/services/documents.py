"""Documents in a beneficiary's file: the row is written in the transaction, the file only after
it commits, so a refused or failed request leaves no orphan file behind. Whether the disk (and
the process's file size limit) has room for the file is checked before the commit: a full disk
fails the request with 507 and nothing is saved (only a disk that fills in the instant between
the check and the write can still leave a committed row without its file)."""

from __future__ import annotations

import errno
import hashlib
import resource
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.models import User
from casework.models import Beneficiary, BeneficiaryDocument, SupportCase
from core.errors import FieldProblem
from core.uploads import DOCUMENT_SIGNATURES, MAX_DOCUMENT_BYTES, document_check
from policy_engine.rules.intake import IntakeForm
from tenants.db import connection

# The policy's names for the content types core.uploads recognises.
FILE_TYPE_OF = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg"}
CONTENT_TYPE_OF = {code: content_type for content_type, code in FILE_TYPE_OF.items()}
assert set(FILE_TYPE_OF) == set(DOCUMENT_SIGNATURES.values())  # noqa: S101 - a wiring check
# Room kept free beside a file before it is accepted (the database and logs share the disk).
SPACE_MARGIN = 16 * 1024 * 1024


def _room_for(storage: Any, size: int) -> None:
    """Refuse, before anything is committed, a file the disk (or this process's file size limit)
    cannot take: the request fails with 507 and its transaction saves nothing (core.middleware)."""
    folder = Path(storage.path(""))
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if shutil.disk_usage(folder).free < size + SPACE_MARGIN or (
        limit != resource.RLIM_INFINITY and size > limit
    ):
        raise OSError(errno.ENOSPC, "no room for the file", str(folder))


def _write_after_commit(document: BeneficiaryDocument, content: bytes) -> None:
    _room_for(document.file.storage, len(content))

    # The storage's folder is the current association's: the one the document was stored in, even
    # when the transaction commits after the connection has moved on (a command seeding several).
    tenant = connection.tenant

    def write() -> None:
        with tenant_context(tenant):
            stored = document.file.storage.save(document.file.name, ContentFile(content))
            if stored != document.file.name:  # the storage chose another name: keep the row true
                BeneficiaryDocument.objects.filter(pk=document.pk).update(file=stored)
                document.file.name = stored

    transaction.on_commit(write)


def document_store(
    *,
    actor: User | None,
    beneficiary: Beneficiary,
    upload: UploadedFile,
    content_type: str,
    kind: str = "other",
    case: SupportCase | None = None,
) -> BeneficiaryDocument:
    """A checked upload (``content_type`` sniffed by ``core.uploads``) added to the file."""
    content = b"".join(upload.chunks())
    upload.seek(0)
    name = (upload.name or "document").rsplit("/", 1)[-1][:200]
    document = BeneficiaryDocument(
        beneficiary=beneficiary,
        case=case,
        kind=(kind or "other")[:40],
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
    )
    document.file.name = document.file.field.generate_filename(document, name)
    document.save()
    _write_after_commit(document, content)
    return document


def intake_uploads(
    form: IntakeForm, files: Mapping[str, UploadedFile]
) -> tuple[dict[str, tuple[dict[str, Any], UploadedFile]], list[FieldProblem]]:
    """The uploads sent for the form's file fields, each with what the engine checks of it (its
    type by content and its size); a file that is no document at all is refused here."""
    uploads: dict[str, tuple[dict[str, Any], UploadedFile]] = {}
    problems: list[FieldProblem] = []
    for code, upload in files.items():
        field = form.field(code)
        if field is None or field.type != "file":
            problems.append(
                FieldProblem(f"intake.{code}", "unknown_field", "حقل غير معروف.", "Unknown field.")
            )
            continue
        limit = min(field.max_bytes(), MAX_DOCUMENT_BYTES)
        if (upload.size or 0) > limit:
            mb = limit // (1024 * 1024)
            problems.append(
                FieldProblem(
                    f"intake.{code}",
                    "too_large",
                    f"الملف أكبر من {mb} ميغابايت.",
                    f"The file is larger than {mb} MB.",
                )
            )
            continue
        content_type, refused = document_check(upload, field=f"intake.{code}")
        if content_type is None:
            problems += refused
            continue
        uploads[code] = (
            {"name": upload.name, "type": FILE_TYPE_OF[content_type], "size": upload.size},
            upload,
        )
    return uploads, problems
