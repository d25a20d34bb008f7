"""Everything Sila holds about one beneficiary, for their right of access: every row of every
table that holds their data, as JSON, with their files and a readable Arabic PDF, in one ZIP.

``SECTIONS`` names each model the export reads and how it finds the person's rows; a test walks
every model of the association's schema that points (directly or through others) at a
beneficiary and fails if one is neither here nor in ``NOT_EXPORTED`` with its reason."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AuditEvent
from casework.models import (
    Attestation,
    Beneficiary,
    BeneficiaryDocument,
    BeneficiaryLink,
    CaseEvent,
    ChecklistItem,
    CommitteeVote,
    Decision,
    DuplicateFlag,
    HouseholdMember,
    Notification,
    OtpChallenge,
    PortalSession,
    Referral,
    SatisfactionRating,
    ServiceDelivery,
    SmsDelivery,
    SupportCase,
    TrackingReference,
)
from casework.privacy.models import (
    AccessLogEntry,
    CaseProcessing,
    Consent,
    RecordHold,
    RightsRequest,
)

# Fields never exported: secrets (hashes of tokens and codes) that are no one's data.
SECRET_FIELDS = {"token_sha256", "code_hmac", "nonce", "client_key", "signature_png"}


def row(obj: models.Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        out[field.attname] = value
    return out


class Scope:
    """The person's records: their record(s) (with those merged into it), cases, phones."""

    def __init__(self, beneficiary: Beneficiary) -> None:
        self.beneficiary = beneficiary
        self.ids = [
            beneficiary.pk,
            *Beneficiary.objects.filter(merged_into=beneficiary).values_list("pk", flat=True),
        ]
        self.case_ids = list(
            SupportCase.objects.filter(beneficiary_id__in=self.ids).values_list("pk", flat=True)
        )
        self.phones = sorted(
            {p for p in Beneficiary.objects.filter(pk__in=self.ids).values_list("phone_e164", flat=True) if p}
        )


Finder = Callable[[Scope], "models.QuerySet[Any]"]

SECTIONS: dict[type[models.Model], Finder] = {
    Beneficiary: lambda s: Beneficiary.objects.filter(pk__in=s.ids),
    HouseholdMember: lambda s: HouseholdMember.objects.filter(beneficiary_id__in=s.ids),
    BeneficiaryDocument: lambda s: BeneficiaryDocument.objects.filter(beneficiary_id__in=s.ids),
    DuplicateFlag: lambda s: DuplicateFlag.objects.filter(
        Q(beneficiary_id__in=s.ids) | Q(other_id__in=s.ids)
    ),
    SupportCase: lambda s: SupportCase.objects.filter(pk__in=s.case_ids),
    CaseEvent: lambda s: CaseEvent.objects.filter(case_id__in=s.case_ids),
    ChecklistItem: lambda s: ChecklistItem.objects.filter(case_id__in=s.case_ids),
    Referral: lambda s: Referral.objects.filter(case_id__in=s.case_ids),
    Attestation: lambda s: Attestation.objects.filter(case_id__in=s.case_ids),
    CommitteeVote: lambda s: CommitteeVote.objects.filter(case_id__in=s.case_ids),
    Decision: lambda s: Decision.objects.filter(case_id__in=s.case_ids),
    ServiceDelivery: lambda s: ServiceDelivery.objects.filter(case_id__in=s.case_ids),
    SatisfactionRating: lambda s: SatisfactionRating.objects.filter(case_id__in=s.case_ids),
    Notification: lambda s: Notification.objects.filter(case_id__in=s.case_ids),
    SmsDelivery: lambda s: SmsDelivery.objects.filter(notification__case_id__in=s.case_ids),
    BeneficiaryLink: lambda s: BeneficiaryLink.objects.filter(case_id__in=s.case_ids),
    TrackingReference: lambda s: TrackingReference.objects.filter(case_id__in=s.case_ids),
    OtpChallenge: lambda s: OtpChallenge.objects.filter(phone_e164__in=s.phones),
    PortalSession: lambda s: PortalSession.objects.filter(phone_e164__in=s.phones),
    CaseProcessing: lambda s: CaseProcessing.objects.filter(case_id__in=s.case_ids),
    Consent: lambda s: Consent.objects.filter(beneficiary_id__in=s.ids),
    RightsRequest: lambda s: RightsRequest.objects.filter(beneficiary_id__in=s.ids),
    RecordHold: lambda s: RecordHold.objects.filter(beneficiary_id__in=s.ids),
    AccessLogEntry: lambda s: AccessLogEntry.objects.filter(
        Q(beneficiary_id__in=s.ids) | Q(case_id__in=s.case_ids) | Q(listed_beneficiaries__overlap=s.ids)
    ),
    AuditEvent: lambda s: AuditEvent.objects.filter(
        Q(object_type="casework.beneficiary", object_id__in=[str(i) for i in s.ids])
        | Q(object_type="casework.supportcase", object_id__in=[str(i) for i in s.case_ids])
    ),
}

# Models that point at a beneficiary but hold nothing of theirs, each with the reason.
NOT_EXPORTED: dict[str, str] = {
    "casework.idempotencykey": (
        "a staff client's stored answer to a repeated request, kept a day; erased with the person"
    ),
}


def _own(values: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """An access log row as the person may see it: a list that showed them names only their own
    records and requests, not the others on the same page."""
    people, cases = set(scope.ids), set(scope.case_ids)
    listed = {
        "listed_beneficiaries": [i for i in values.get("listed_beneficiaries", []) if i in people],
        "listed_cases": [i for i in values.get("listed_cases", []) if i in cases],
    }
    return values | listed


def export_data(beneficiary: Beneficiary) -> dict[str, list[dict[str, Any]]]:
    scope = Scope(beneficiary)
    data = {
        model._meta.label_lower: [row(obj) for obj in finder(scope).order_by("pk")]
        for model, finder in SECTIONS.items()
    }
    data["privacy.accesslogentry"] = [_own(values, scope) for values in data["privacy.accesslogentry"]]
    return data


def export_archive(*, beneficiary: Beneficiary, association: Any) -> bytes:
    """The ZIP: ``data.json`` (every row, by table), ``files/`` (their documents) and
    ``summary-ar.pdf`` (the same, readable, in Arabic)."""
    data = export_data(beneficiary)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(
                {"generated_at": timezone.now(), "beneficiary_id": beneficiary.pk, "tables": data},
                cls=DjangoJSONEncoder,
                ensure_ascii=False,
                indent=2,
            ),
        )
        for document in BeneficiaryDocument.objects.filter(
            pk__in=[d["id"] for d in data["casework.beneficiarydocument"]]
        ):
            with document.file.open("rb") as handle:
                archive.writestr(f"files/{document.pk}-{document.original_name}", handle.read())
        archive.writestr(
            "summary-ar.pdf", summary_pdf(beneficiary=beneficiary, data=data, association=association)
        )
    return buffer.getvalue()


def summary_pdf(
    *, beneficiary: Beneficiary, data: dict[str, list[dict[str, Any]]], association: Any
) -> bytes:
    import weasyprint

    from policy_engine.rendering import FONT_DIR, font_face_css, local_files_only_fetcher, policy_css

    styles = "\n".join(
        (font_face_css(lambda name: (FONT_DIR / name).as_uri(), formats=("woff",)), policy_css())
    )
    html = render_to_string(
        "privacy/access_summary.html",
        {
            "styles": styles,
            "association": association,
            "beneficiary": beneficiary,
            "tables": [
                {"name": TABLE_NAMES_AR.get(label, label), "rows": [_readable(r) for r in rows]}
                for label, rows in data.items()
                if rows
            ],
            "generated": timezone.localtime(),
        },
    )
    pdf = weasyprint.HTML(
        string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=local_files_only_fetcher()
    ).write_pdf()
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without a target returns bytes
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf


def _readable(values: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for key, value in values.items():
        if value in (None, "", [], {}):
            continue
        text = (
            json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
            if isinstance(value, dict | list)
            else str(value)
        )
        out.append((FIELD_NAMES_AR.get(key, key), text[:600]))
    return out


TABLE_NAMES_AR = {
    "casework.beneficiary": "سجل المستفيد",
    "casework.householdmember": "أفراد الأسرة",
    "casework.beneficiarydocument": "المستندات",
    "casework.duplicateflag": "السجلات المحتمل تكرارها",
    "casework.supportcase": "الطلبات",
    "casework.caseevent": "سجل أحداث الطلبات",
    "casework.checklistitem": "قوائم التحقق",
    "casework.referral": "الإحالات",
    "casework.attestation": "الإقرارات",
    "casework.committeevote": "أصوات اللجنة وأسبابها",
    "casework.decision": "القرارات",
    "casework.servicedelivery": "الخدمات المقدمة",
    "casework.satisfactionrating": "تقييمات الخدمة",
    "casework.notification": "الإشعارات",
    "casework.smsdelivery": "الرسائل النصية",
    "casework.beneficiarylink": "روابط المتابعة والتقييم",
    "casework.trackingreference": "أرقام المتابعة",
    "casework.otpchallenge": "رموز الدخول (دون الرموز نفسها)",
    "casework.portalsession": "جلسات بوابة المستفيد",
    "privacy.caseprocessing": "الغرض والأساس النظامي لكل طلب",
    "privacy.consent": "الموافقات",
    "privacy.rightsrequest": "طلبات الحقوق",
    "privacy.recordhold": "تقييد السجل",
    "privacy.accesslogentry": "سجل الاطلاع على البيانات",
    "audit.auditevent": "سجل التدقيق",
}
FIELD_NAMES_AR = {
    "id": "الرقم",
    "national_id": "رقم الهوية",
    "full_name_ar": "الاسم",
    "phone_e164": "الجوال",
    "birth_date": "تاريخ الميلاد",
    "gender": "الجنس",
    "city": "المدينة",
    "notes": "ملاحظات",
    "created_at": "أُنشئ في",
    "updated_at": "عُدّل في",
    "channel": "القناة",
    "step": "الخطوة",
    "status": "الحالة",
    "outcome": "النتيجة",
    "intake": "إجابات نموذج الطلب",
    "reason": "السبب",
    "relation": "صلة القرابة",
    "kind": "النوع",
    "score": "التقييم",
    "comment": "التعليق",
    "action": "الإجراء",
    "data": "البيانات",
    "changes": "التغييرات",
    "at": "الوقت",
    "user_email": "الموظف",
    "via": "عبر",
    "listed_beneficiaries": "السجلات المعروضة في القائمة",
    "listed_cases": "الطلبات المعروضة في القائمة",
}
