"""Actions at the checklist steps (receive, verify): verify an item, add one."""

from __future__ import annotations

from casework.models import (
    BeneficiaryDocument,
    ChecklistItem,
    ItemKind,
)
from casework.services._base import (
    as_id,
    field_problem,
    refused,
    required_problem,
    text_field,
)
from casework.services.actions._types import ActionContext, Applied
from casework.services.documents import FILE_TYPE_OF
from core.errors import invalid


def do_verify_item(ctx: ActionContext) -> Applied:
    code = text_field(ctx.data, "code")
    item = ctx.case.checklist.filter(step=ctx.case.step, code=code).first() if code else None
    if item is None:
        raise invalid(
            [
                field_problem(
                    "code",
                    "unknown_item",
                    "لا يوجد بند بهذا الرمز في هذه الخطوة.",
                    "No such item at this step.",
                )
            ]
        )
    if item.verified_at is not None:
        raise refused(
            "already_verified", "code", "تُحقق من هذا البند من قبل.", "This item is already verified."
        )
    document = None
    if ctx.data.get("document") is not None:
        document_id = as_id(ctx.data.get("document"))
        document = (
            BeneficiaryDocument.objects.filter(pk=document_id, beneficiary_id=ctx.case.beneficiary_id).first()
            if document_id is not None
            else None
        )
        if document is None:
            raise invalid(
                [
                    field_problem(
                        "document",
                        "not_found",
                        "لا يوجد مستند بهذا الرقم في ملف المستفيد.",
                        "No such document in the beneficiary's file.",
                    )
                ]
            )
    if document is not None and item.kind == ItemKind.DOCUMENT:
        _check_file_type(ctx, item.step, item.code, document)
    item.verified_by = ctx.actor
    item.verified_at = ctx.now
    item.note = text_field(ctx.data, "note")
    item.document = document
    item.save(update_fields=["verified_by", "verified_at", "note", "document"])
    return Applied(event={"item": item.code, "document": document.pk if document else None})


def do_add_item(ctx: ActionContext) -> Applied:
    code, label_ar = text_field(ctx.data, "code"), text_field(ctx.data, "label_ar")
    kind = ctx.data.get("kind", ItemKind.INFO)
    problems = []
    if not code or not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        problems.append(
            field_problem("code", "invalid_code", "رمز من حروف لاتينية وأرقام.", "A code of letters/digits.")
        )
    if not label_ar:
        problems.append(required_problem("label_ar"))
    if kind not in ItemKind.values:
        problems.append(
            field_problem("kind", "invalid_choice", "معلومة أو مستند.", "Information or document.")
        )
    if problems:
        raise invalid(problems)
    if ctx.case.checklist.filter(code=code).exists():
        raise refused("duplicate_item", "code", "يوجد بند بهذا الرمز.", "An item with this code exists.")
    ChecklistItem.objects.create(
        case=ctx.case,
        step=ctx.case.step,
        code=code[:40],
        label_ar=label_ar[:200],
        label_en=(text_field(ctx.data, "label_en") or label_ar)[:200],
        kind=kind,
        required=ctx.data.get("required", True) is not False,
        position=100 + ctx.case.checklist.count(),
    )
    return Applied(event={"item": code})


def _check_file_type(ctx: ActionContext, step: str, code: str, document: BeneficiaryDocument) -> None:
    """A document the pinned checklist lists must be one of the file types it accepts (an item an
    employee added to this case takes any document)."""
    entry = next((e for e in ctx.engine.checklist(step) if e.code == code), None)
    if entry is None:
        return
    accepted = entry.accepted_types()
    if FILE_TYPE_OF.get(document.content_type) not in accepted:
        names = " / ".join(t.upper() for t in accepted)
        raise invalid(
            [
                field_problem(
                    "document",
                    "unsupported_type",
                    f"هذا البند يقبل ملفًا من نوع {names} فقط.",
                    f"This item accepts a {names} file only.",
                )
            ]
        )
