"""Drafts: start one, save it (guarded by its revision), submit it to the board; tool documents."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import RoleCode, User
from audit.services import audit_record
from core.errors import FieldProblem, conflict, invalid
from core.uploads import document_check
from policy_engine import notifications
from policy_engine.models import PolicyAttachment, PolicyStatus, PolicyVersion
from policy_engine.rules.normalise import normalise_document
from policy_engine.services._common import document_problems, locked, not_editable, require_role


@transaction.atomic
def policy_version_create_draft(
    *, actor: User | None, based_on: int | None = None, document: Mapping[str, Any] | None = None
) -> PolicyVersion:
    """A new draft: a copy of version ``based_on`` (default: the one in force), or ``document``."""
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    source: PolicyVersion | None = None
    if document is None:
        source = (
            PolicyVersion.objects.filter(number=based_on).first()
            if based_on is not None
            else PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).first()
        )
        if source is None:
            raise invalid(
                [
                    FieldProblem(
                        "based_on", "not_found", "لا يوجد إصدار بهذا الرقم.", "No such policy version."
                    )
                ]
            )
        document = source.document
    else:
        document = normalise_document(document)
        problems = document_problems(document)
        if problems:
            raise invalid(problems)
    number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            version = PolicyVersion.objects.create(
                number=number, document=dict(document), based_on=source, created_by=actor
            )
    except IntegrityError:
        raise conflict(
            "concurrent_create",
            "أُنشئ إصدار آخر في اللحظة نفسها؛ أعد المحاولة.",
            "Another version was created at the same moment; try again.",
        ) from None
    audit_record(
        actor=actor,
        action="policy.draft_created",
        obj=version,
        changes={"based_on": {"old": None, "new": source.number if source else None}},
    )
    return version


@transaction.atomic
def policy_version_update_draft(
    *, actor: User | None, number: int, document: Mapping[str, Any], revision: int
) -> PolicyVersion:
    """Save a draft's document. ``revision`` is the one the editor started from: if someone saved
    in between, nothing is overwritten and the caller gets a conflict naming the current revision."""
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    version = locked(number)
    if not version.is_editable:
        raise not_editable(version)
    if revision != version.revision:
        raise conflict(
            "stale_revision",
            f"حفظ شخص آخر هذه المسودة (المراجعة {version.revision}) بعد أن فتحتها (المراجعة {revision}). "
            "أعد تحميلها ثم طبّق تعديلاتك.",
            f"Someone else saved this draft (revision {version.revision}) after you opened it "
            f"(revision {revision}). Reload it and apply your changes again.",
        )
    # Stored as compared: a textarea's CRLFs or a trailing space are not an edit (see rules.normalise).
    document = normalise_document(document)
    problems = document_problems(document)
    if problems:
        raise invalid(problems)
    before = version.document
    version.document = dict(document)
    version.revision += 1
    version.save(update_fields=["document", "revision", "updated_at"])
    changed = sorted(k for k in set(before) | set(document) if before.get(k) != document.get(k))
    audit_record(
        actor=actor,
        action="policy.draft_saved",
        obj=version,
        changes={"revision": {"old": revision, "new": version.revision}, "fields": changed},
    )
    return version


@transaction.atomic
def policy_version_submit(*, actor: User | None, number: int) -> PolicyVersion:
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    version = locked(number)
    if version.status != PolicyStatus.DRAFT:
        raise conflict(
            "not_a_draft",
            "لا يُرفع إلى المجلس إلا إصدار في حالة المسودة.",
            "Only a draft can be submitted to the board.",
        )
    problems = document_problems(version.document)
    if problems:
        raise invalid(problems)
    version.status = PolicyStatus.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(
        actor=actor,
        action="policy.submitted",
        obj=version,
        changes={"status": {"old": PolicyStatus.DRAFT, "new": PolicyStatus.SUBMITTED}},
    )
    notifications.version_submitted(version)
    return version


@transaction.atomic
def policy_attachment_upload(*, actor: User | None, upload: UploadedFile) -> PolicyAttachment:
    require_role(actor, RoleCode.ASSOCIATION_ADMIN)
    content_type, problems = document_check(upload, field="file")
    if problems or content_type is None:
        raise invalid(problems)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = PolicyAttachment(
        original_name=(upload.name or "document")[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(upload.name or "document", upload, save=False)
    attachment.save()
    audit_record(actor=actor, action="policy.attachment_uploaded", obj=attachment)
    return attachment
