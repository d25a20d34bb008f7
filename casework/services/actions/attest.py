"""The applicant's attestation of the data, at its step or again after a change."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from casework import selectors
from casework.models import (
    Attestation,
    AttestationMethod,
)
from casework.services._base import (
    field_problem,
    refused,
)
from casework.services.actions._types import ActionContext, Applied
from casework.services.actions.inputs import ActionInput, choice, flag, text
from core.errors import FieldProblem

MAX_SIGNATURE_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _signature_problems(value: str) -> list[FieldProblem]:
    bad = field_problem(
        "signature",
        "invalid_signature",
        "التوقيع المرسوم مطلوب صورةً بصيغة PNG.",
        "The drawn signature is required, as a PNG image.",
    )
    if not value.startswith("data:image/png;base64,"):
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


@dataclass(frozen=True)
class AttestInput(ActionInput):
    """In the office the applicant types their name and draws their signature; on the portal they
    type their name and confirm. Either way they sign the data whose hash they were shown."""

    method: str = choice(
        tuple(AttestationMethod.choices),
        default=AttestationMethod.IN_OFFICE,
        invalid=("طريقة توقيع غير معروفة.", "Unknown method."),
    )
    typed_name: str = text(required=True, max_length=200)
    signature: str = text(max_length=MAX_SIGNATURE_BYTES * 4 // 3 + 64)  # a PNG as a data URL
    confirmed: bool = flag()
    data_hash: str = text(required=True, max_length=128)

    def problems(self) -> list[FieldProblem]:
        if self.method == AttestationMethod.IN_OFFICE:
            return _signature_problems(self.signature)
        if not self.confirmed:
            return [
                field_problem(
                    "confirmed",
                    "required",
                    "يلزم تأكيد المستفيد.",
                    "The beneficiary's confirmation is needed.",
                )
            ]
        return []


def do_attest(ctx: ActionContext, inp: AttestInput) -> Applied:
    case = ctx.case
    if case.step != "attest" and selectors.attestation_is_valid(case):
        raise refused(
            "already_attested",
            "action",
            "وقّع مقدم الطلب على هذه البيانات من قبل، ولم تتغير.",
            "The applicant already signed this data, and it has not changed.",
        )
    payload = selectors.attestation_payload(case)
    digest = selectors.payload_sha256(payload)
    if not hmac.compare_digest(inp.data_hash, digest):
        raise refused(
            "stale_data",
            "data_hash",
            "تغيرت البيانات بعد عرضها على مقدم الطلب؛ اعرضها عليه من جديد ثم اطلب توقيعه.",
            "The data changed after it was shown to the applicant: show it again and ask them to sign.",
        )
    case.attestations.filter(voided_at__isnull=True).update(voided_at=ctx.now, void_reason="replaced")
    attestation = Attestation.objects.create(
        case=case,
        method=inp.method,
        typed_name=inp.typed_name,
        signature_png=inp.signature if inp.method == AttestationMethod.IN_OFFICE else "",
        data=payload,
        data_sha256=digest,
        witnessed_by=ctx.actor,
    )
    return Applied(event={"attestation": attestation.pk, "data_sha256": digest, "method": inp.method})
