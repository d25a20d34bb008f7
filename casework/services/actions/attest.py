"""The applicant's attestation of the data, at its step or again after a change."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from casework import selectors
from casework.models import (
    Attestation,
    AttestationMethod,
)
from casework.services._base import (
    field_problem,
    refused,
    required_problem,
    text_field,
)
from casework.services.actions._types import ActionContext, Applied
from core.errors import FieldProblem, invalid

MAX_SIGNATURE_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _signature_problems(value: Any) -> list[FieldProblem]:
    bad = field_problem(
        "signature",
        "invalid_signature",
        "التوقيع المرسوم مطلوب صورةً بصيغة PNG.",
        "The drawn signature is required, as a PNG image.",
    )
    if not isinstance(value, str) or not value.startswith("data:image/png;base64,"):
        return [bad]
    encoded = value.split(",", 1)[1]
    if len(encoded) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        return [
            field_problem(
                "signature", "too_large", "صورة التوقيع كبيرة جدًا.", "The signature image is too large."
            )
        ]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return [bad]
    return [] if raw.startswith(PNG_MAGIC) and len(raw) > len(PNG_MAGIC) else [bad]


def do_attest(ctx: ActionContext) -> Applied:
    case = ctx.case
    if case.step != "attest" and selectors.attestation_is_valid(case):
        raise refused(
            "already_attested",
            "action",
            "وقّع مقدم الطلب على هذه البيانات من قبل، ولم تتغير.",
            "The applicant already signed this data, and it has not changed.",
        )
    method = ctx.data.get("method") or AttestationMethod.IN_OFFICE
    typed_name = text_field(ctx.data, "typed_name")
    problems = [] if typed_name else [required_problem("typed_name")]
    if method == AttestationMethod.IN_OFFICE:
        problems += _signature_problems(ctx.data.get("signature"))
    elif method == AttestationMethod.PORTAL:
        if ctx.data.get("confirmed") is not True:
            problems.append(
                field_problem(
                    "confirmed",
                    "required",
                    "يلزم تأكيد المستفيد.",
                    "The beneficiary's confirmation is needed.",
                )
            )
    else:
        problems.append(
            field_problem("method", "invalid_choice", "طريقة توقيع غير معروفة.", "Unknown method.")
        )
    if not text_field(ctx.data, "data_hash"):
        problems.append(required_problem("data_hash"))
    if problems:
        raise invalid(problems)
    payload = selectors.attestation_payload(case)
    digest = selectors.payload_sha256(payload)
    if not hmac.compare_digest(text_field(ctx.data, "data_hash"), digest):
        raise refused(
            "stale_data",
            "data_hash",
            "تغيرت البيانات بعد عرضها على مقدم الطلب؛ اعرضها عليه من جديد ثم اطلب توقيعه.",
            "The data changed after it was shown to the applicant: show it again and ask them to sign.",
        )
    case.attestations.filter(voided_at__isnull=True).update(voided_at=ctx.now, void_reason="replaced")
    attestation = Attestation.objects.create(
        case=case,
        method=method,
        typed_name=typed_name[:200],
        signature_png=(ctx.data.get("signature") or "") if method == AttestationMethod.IN_OFFICE else "",
        data=payload,
        data_sha256=digest,
        witnessed_by=ctx.actor,
    )
    return Applied(event={"attestation": attestation.pk, "data_sha256": digest, "method": method})
