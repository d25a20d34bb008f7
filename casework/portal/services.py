"""Writes made from the beneficiary's side: an application made online, a missing document sent
from the portal, the rating of the service. The applicant is not a user: ``actor`` is None in the
audit trail and the case's timeline, and what they may touch is decided by their mobile number
(signed in with a one-time code)."""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from audit.services import audit_record
from casework import selectors, services
from casework.models import (
    Beneficiary,
    ChecklistItem,
    ItemKind,
    SatisfactionRating,
    SupportCase,
    TrackingReference,
)
from casework.services.documents import intake_uploads
from casework.validators import InvalidValue, national_id_normalize
from core.errors import FieldProblem, ServiceError, conflict, invalid, not_found
from core.uploads import document_check
from policy_engine.models import PolicyVersion
from policy_engine.rules.engine import PolicyEngine
from policy_engine.rules.intake import IntakeForm
from policy_engine.selectors import policy_version_in_force

# Online channels, in the order they are preferred: the website, or the help request form.
ONLINE_CHANNELS = ("website", "help_request")
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read out over the phone


# The checklist speaks to staff ("the ID was presented"); the applicant is asked for the document.
APPLICANT_LABELS = {
    "identity_presented": ("صورة الهوية الوطنية أو الإقامة", "A copy of your national ID or iqama"),
    "income_proof": (
        "ما يثبت الدخل (مثل تعريف بالراتب أو كشف حساب)",
        "Proof of income (e.g. a salary letter)",
    ),
    "support_request_form": ("نموذج طلب الدعم معبأً", "The support request form, filled in"),
}


def applicant_label(code: str, label_ar: str, label_en: str, lang: str) -> str:
    ar, en = APPLICANT_LABELS.get(code, (label_ar, label_en))
    return ar if lang == "ar" else en


def online_channel(engine: PolicyEngine) -> str | None:
    """The channel an online application comes through, if the policy in force has one."""
    return next((code for code in ONLINE_CHANNELS if engine.is_channel_allowed(code)), None)


# --- What the application asks for ------------------------------------------------------------


@dataclass(frozen=True)
class DocumentSpec:
    code: str
    label_ar: str
    label_en: str
    required: bool


@dataclass(frozen=True)
class ApplicationSpec:
    version: PolicyVersion
    channel: str
    documents: tuple[DocumentSpec, ...]
    attestation: bool
    window: str  # ISO duration of the deciding body's review (shown in words)
    intake: IntakeForm = field(default_factory=IntakeForm)

    @property
    def has_intake_form(self) -> bool:
        return bool(self.intake.fields)


def _document_items(engine: PolicyEngine) -> list[tuple[str, str, str]]:
    """The documents the policy's receive and verify checklists ask for (the filled-in request
    form is the online application itself)."""
    return [
        (item.code, item.label_ar, item.label_en)
        for step in ("receive", "verify")
        if engine.has_step(step)
        for item in engine.checklist(step)
        if item.kind == "document" and item.code != "support_request_form"
    ]


def application_spec() -> ApplicationSpec | None:
    """What applying online takes under the policy in force, or None when it cannot be done."""
    version = policy_version_in_force()
    if version is None:
        return None
    engine = selectors.engine_for(version)
    channel = online_channel(engine)
    if channel is None:
        return None
    documents = tuple(
        DocumentSpec(
            code=code,
            label_ar=APPLICANT_LABELS.get(code, (label_ar, label_en))[0],
            label_en=APPLICANT_LABELS.get(code, (label_ar, label_en))[1],
            # The ID is needed to start; the rest may follow from the portal.
            required=code == "identity_presented",
        )
        for code, label_ar, label_en in _document_items(engine)
    )
    return ApplicationSpec(
        version=version,
        channel=channel,
        documents=documents,
        attestation=engine.has_step("attest"),
        window=engine.review_window(),
        intake=engine.intake_form(),
    )


# --- Checking what people type ------------------------------------------------------------------

# Bidirectional overrides and isolates can make a name display as something else ("evil" text
# that reads differently from what is stored); other control characters have no place in a name.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def text_problems(field: str, value: str, *, max_length: int, multiline: bool = False) -> list[FieldProblem]:
    if len(value) > max_length:
        return [
            FieldProblem(
                field,
                "too_long",
                f"النص أطول من {max_length} حرفًا.",
                f"The text is longer than {max_length} characters.",
            )
        ]
    for ch in value:
        if ch in _BIDI_CONTROLS or (unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\r\t")):
            return [
                FieldProblem(
                    field,
                    "unsafe_characters",
                    "يحتوي النص على رموز تحكم غير مسموح بها (مثل رموز عكس اتجاه الكتابة).",
                    "The text contains control characters that are not allowed (such as direction overrides).",
                )
            ]
    if "<" in value and ">" in value:
        return [
            FieldProblem(
                field,
                "markup",
                "لا يُقبل وسم HTML أو برمجيات في هذا الحقل.",
                "HTML markup or script is not accepted in this field.",
            )
        ]
    return []


# --- Applying online --------------------------------------------------------------------------------


def _new_reference() -> str:
    while True:
        raw = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        reference = f"{raw[:4]}-{raw[4:]}"
        if not TrackingReference.objects.filter(reference=reference).exists():
            return reference


def reference_for(case: SupportCase) -> TrackingReference:
    """The case's tracking reference (a request opened in the office gets one when first shown)."""
    existing = TrackingReference.objects.filter(case=case).first()
    if existing is not None:
        return existing
    return TrackingReference.objects.get_or_create(case=case, defaults={"reference": _new_reference()})[0]


def _not_online() -> ServiceError:
    return ServiceError(
        "channel_not_allowed",
        "لا تستقبل الجمعية الطلبات عبر الموقع، فسياستها النافذة لا تتيح هذه القناة. تواصل معها بإحدى قنواتها.",
        "This association does not take applications on its website: its policy in force does not "
        "allow that channel. Contact it through one of its channels.",
        400,
        [
            FieldProblem(
                "channel",
                "channel_not_allowed",
                "سياسة الجمعية النافذة لا تتيح التقديم عبر الموقع.",
                "The association's policy in force does not allow applying online.",
            )
        ],
    )


@transaction.atomic
def application_submit(
    *,
    national_id: str,
    full_name_ar: str,
    phone: str,
    city: str = "",
    answers: Mapping[str, Any] | None = None,
    documents: Mapping[str, UploadedFile] | None = None,
    intake_files: Mapping[str, UploadedFile] | None = None,
    attestation_name: str = "",
    attestation_confirmed: bool = False,
    channel: str | None = None,
    consents: Collection[str] = (),
    notice_version: int | None = None,
    via: str = "portal",
) -> TrackingReference:
    """An application made on the association's site: the person is registered (or found by their
    ID number with the same mobile), a request is opened through the online channel of the policy
    in force, their documents join it, and their attestation is bound to exactly that data."""
    spec = application_spec()
    if spec is None or (channel is not None and channel != spec.channel):
        if policy_version_in_force() is None:
            raise conflict(
                "no_policy_in_force",
                "لا تستقبل الجمعية الطلبات الآن: لا توجد سياسة نافذة معتمدة من مجلس الإدارة.",
                "The association is not taking requests now: no board-approved policy is in force.",
            )
        raise _not_online()
    documents = dict(documents or {})
    problems: list[FieldProblem] = []
    problems += text_problems("full_name_ar", full_name_ar, max_length=200)
    problems += text_problems("city", city, max_length=100)
    problems += text_problems("attestation_name", attestation_name, max_length=200)
    for path, text in _strings(answers or {}, ""):
        problems += text_problems(f"intake.{path}", text, max_length=2000, multiline=True)
    intake_answers = {k: v for k, v in (answers or {}).items() if k not in (intake_files or {})}
    if spec.has_intake_form and not problems:
        # The association's own intake form, checked by the rules of the version in force, so that
        # every problem shows at once (case_open checks it again when it opens the request).
        uploads, file_problems = intake_uploads(spec.intake, intake_files or {})
        problems += file_problems
        _clean, answer_errors = selectors.engine_for(spec.version).check_intake(
            intake_answers | {code: meta for code, (meta, _upload) in uploads.items()}
        )
        problems += [
            FieldProblem(f"intake.{e.path}", e.code, e.message_ar, e.message_en) for e in answer_errors
        ]
    try:
        clean_id = national_id_normalize(national_id)
    except InvalidValue as exc:
        problems.append(FieldProblem("national_id", exc.code, exc.message_ar, exc.message_en))
        clean_id = ""
    known_codes = {d.code for d in spec.documents}
    for code in documents:
        if code not in known_codes:
            problems.append(
                FieldProblem(
                    f"documents.{code}", "unknown", "مستند غير مطلوب.", "This document is not asked for."
                )
            )
    for document in spec.documents:
        upload = documents.get(document.code)
        if upload is None:
            if document.required:
                problems.append(
                    FieldProblem(
                        f"documents.{document.code}",
                        "required",
                        "أرفق هذا المستند.",
                        "Attach this document.",
                    )
                )
            continue
        problems += document_check(upload, field=f"documents.{document.code}")[1]
    if spec.attestation:
        if not attestation_name.strip():
            problems.append(
                FieldProblem(
                    "attestation_name", "required", "اكتب اسمك للإقرار.", "Type your name to attest."
                )
            )
        if not attestation_confirmed:
            problems.append(
                FieldProblem(
                    "attestation_confirmed",
                    "required",
                    "يلزم الإقرار بصحة البيانات.",
                    "You must confirm that the data is correct.",
                )
            )
    if problems:
        raise invalid(problems)

    beneficiary = _applicant(national_id=clean_id, full_name_ar=full_name_ar, phone=phone, city=city)
    open_case = beneficiary.cases.filter(status="open").first() if beneficiary.pk else None
    if open_case is not None:
        reference = reference_for(open_case)
        raise ServiceError(
            "request_already_open",
            f"لديك طلب مفتوح لدى الجمعية (رقم المتابعة {reference.reference}). تابعه من بوابة المستفيد.",
            f"You already have an open request with the association (tracking reference "
            f"{reference.reference}). Follow it in the beneficiary portal.",
            409,
            [
                FieldProblem(
                    "national_id",
                    "request_already_open",
                    "لهذا الرقم طلب مفتوح لم يُبتّ فيه بعد.",
                    "This ID number already has an open request.",
                )
            ],
        )
    if beneficiary.pk is None:
        beneficiary = services.beneficiary_register(
            actor=None, national_id=clean_id, full_name_ar=full_name_ar, phone=phone, city=city
        )
    case = services.case_open(
        actor=None,
        beneficiary_id=beneficiary.pk,
        channel=spec.channel,
        intake=intake_answers if spec.has_intake_form else {},
        files=dict(intake_files or {}),
        consents=list(consents),
        notice_version=notice_version,
        via=via,
    )
    for code, upload in documents.items():
        stored = services.beneficiary_document_upload(
            actor=None, beneficiary_id=beneficiary.pk, upload=upload, kind=code, case_id=case.pk
        )
        ChecklistItem.objects.filter(case=case, code=code, verified_at__isnull=True).update(document=stored)
    tracking = TrackingReference.objects.create(case=case, reference=_new_reference(), online=True)
    if spec.attestation:
        # Bound to the data as it now stands, documents included; on the request's timeline.
        services.case_attest_on_application(case_id=case.pk, typed_name=attestation_name.strip())
    audit_record(
        actor=None,
        action="portal.application_submitted",
        obj=case,
        changes={
            "channel": {"old": None, "new": spec.channel},
            "reference": {"old": None, "new": tracking.reference},
        },
    )
    return tracking


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    """Every string in the answers, with its path (``orphans[0].name``)."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, Mapping):
        return [pair for k, v in value.items() for pair in _strings(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _strings(v, f"{path}[{i}]")]
    return []


def _applicant(*, national_id: str, full_name_ar: str, phone: str, city: str) -> Beneficiary:
    """The record the application belongs to: the existing one for this ID (if the mobile number
    matches; otherwise the office must see the person), or a new, unsaved one."""
    from casework.portal.otp import phone_or_error

    number = phone_or_error(phone)
    existing = Beneficiary.objects.filter(national_id=national_id).first()
    while existing is not None and existing.merged_into_id is not None:
        existing = Beneficiary.objects.get(pk=existing.merged_into_id)
    if existing is None:
        return Beneficiary(national_id=national_id, full_name_ar=full_name_ar, phone_e164=number, city=city)
    if not hmac.compare_digest(existing.phone_e164 or "", number):
        # Saying more would tell a stranger who is registered with this association.
        raise ServiceError(
            "contact_association",
            "تعذّر قبول هذا الطلب عبر الموقع. تواصل مع الجمعية بإحدى قنواتها لإكماله.",
            "This application cannot be accepted online. Contact the association through one of its "
            "channels to complete it.",
            409,
            [
                FieldProblem(
                    "national_id",
                    "contact_association",
                    "تعذّر قبول الطلب عبر الموقع لهذا الرقم؛ تواصل مع الجمعية.",
                    "The application cannot be accepted online for this ID number; contact the association.",
                )
            ],
        )
    return existing


# --- The signed-in beneficiary's own requests -------------------------------------------------------


def own_case(*, phone: str, reference: str) -> SupportCase:
    """The request with this reference if it belongs to this number; the same 404 otherwise, so a
    guessed reference tells nothing."""
    case = (
        SupportCase.objects.select_related("beneficiary", "policy_version", "tracking")
        .filter(tracking__reference=reference.strip().upper(), beneficiary__phone_e164=phone)
        .first()
    )
    if case is None:
        raise not_found("لا يوجد طلب بهذا الرقم لك.", "You have no request with this reference.")
    return case


def missing_documents(case: SupportCase) -> list[ChecklistItem]:
    """Documents the request still waits for: asked for, not verified, nothing attached yet."""
    return list(
        case.checklist.filter(
            kind=ItemKind.DOCUMENT, verified_at__isnull=True, document__isnull=True
        ).order_by("position", "id")
    )


@transaction.atomic
def portal_document_upload(*, phone: str, reference: str, code: str, upload: UploadedFile) -> ChecklistItem:
    case = own_case(phone=phone, reference=reference)
    if case.status != "open":
        raise conflict("case_closed", "أُغلق هذا الطلب.", "This request is closed.")
    item = next((i for i in missing_documents(case) if i.code == code), None)
    if item is None:
        raise invalid(
            [
                FieldProblem(
                    "code", "not_missing", "هذا المستند غير مطلوب الآن.", "This document is not needed now."
                )
            ]
        )
    document = services.beneficiary_document_upload(
        actor=None, beneficiary_id=case.beneficiary_id, upload=upload, kind=code, case_id=case.pk
    )
    item.document = document
    item.save(update_fields=["document"])
    audit_record(
        actor=None,
        action="portal.document_sent",
        obj=case,
        changes={"document": {"old": None, "new": document.pk}, "item": {"old": None, "new": code}},
    )
    return item


def invalid_upload() -> ServiceError:
    return invalid([FieldProblem("file", "required", "اختر ملفًا.", "Choose a file.")])


def portal_rate(
    *, phone: str, reference: str, service_id: int | None, score: int, comment: str
) -> SatisfactionRating:
    """The signed-in person rates one service of one of their own requests, once."""
    problems = text_problems("comment", comment, max_length=2000, multiline=True)
    if problems:
        raise invalid(problems)
    case = own_case(phone=phone, reference=reference)
    return services.satisfaction_record(
        actor=None, case_id=case.pk, service_id=service_id, score=score, comment=comment
    )
