"""Actions at the checklist steps (receive, verify): verify an item, add one."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from casework.models import (
    BeneficiaryDocument,
    ChecklistItem,
    ItemKind,
)
from casework.services._base import (
    field_problem,
    refused,
)
from casework.services.actions._types import ActionContext, Applied
from casework.services.actions.inputs import ActionInput, choice, flag, record_id, text
from casework.services.documents import FILE_TYPE_OF
from core.errors import invalid

NO_DOCUMENT = ("لا يوجد مستند بهذا الرقم في ملف المستفيد.", "No such document in the beneficiary's file.")
UNKNOWN_ITEM = ("لا يوجد بند بهذا الرمز في هذه الخطوة.", "No such item at this step.")


@dataclass(frozen=True)
class VerifyItemInput(ActionInput):
    code: str = text(max_length=40)
    note: str = text(max_length=500)
    document: int | None = record_id(invalid=NO_DOCUMENT, invalid_code="not_found")


@dataclass(frozen=True)
class AddItemInput(ActionInput):
    label_ar: str = text(required=True, max_length=200)
    label_en: str = text(max_length=200)
    code: str = text(required=True, max_length=40, pattern_ascii_code=True, invalid_code="invalid_code")
    kind: str = choice(
        ((ItemKind.INFO, _("Information")), (ItemKind.DOCUMENT, _("Document"))),
        default=ItemKind.INFO,
        invalid=("معلومة أو مستند.", "Information or document."),
    )
    required: bool = flag(default=True)


def do_verify_item(ctx: ActionContext, inp: VerifyItemInput) -> Applied:
    item = ctx.case.checklist.filter(step=ctx.case.step, code=inp.code).first() if inp.code else None
    if item is None:
        raise invalid([field_problem("code", "unknown_item", *UNKNOWN_ITEM)])
    if item.verified_at is not None:
        raise refused(
            "already_verified", "code", "تُحقق من هذا البند من قبل.", "This item is already verified."
        )
    document = None
    if inp.document is not None:
        document = BeneficiaryDocument.objects.filter(
            pk=inp.document, beneficiary_id=ctx.case.beneficiary_id
        ).first()
        if document is None:
            raise invalid([field_problem("document", "not_found", *NO_DOCUMENT)])
    if document is not None and item.kind == ItemKind.DOCUMENT:
        _check_file_type(ctx, item.step, item.code, document)
    item.verified_by = ctx.actor
    item.verified_at = ctx.now
    item.note = inp.note
    item.document = document
    item.save(update_fields=["verified_by", "verified_at", "note", "document"])
    return Applied(event={"item": item.code, "document": document.pk if document else None})


def do_add_item(ctx: ActionContext, inp: AddItemInput) -> Applied:
    if ctx.case.checklist.filter(code=inp.code).exists():
        raise refused("duplicate_item", "code", "يوجد بند بهذا الرمز.", "An item with this code exists.")
    ChecklistItem.objects.create(
        case=ctx.case,
        step=ctx.case.step,
        code=inp.code,
        label_ar=inp.label_ar,
        label_en=inp.label_en or inp.label_ar,
        kind=inp.kind,
        required=inp.required,
        position=100 + ctx.case.checklist.count(),
    )
    return Applied(event={"item": inp.code})


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
