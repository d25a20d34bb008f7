"""The association's record of processing activities (سجل أنشطة المعالجة), filled in from what Sila
knows: its purposes and lawful bases, the classes of data it holds (with the questions of its own
intake form), whose data, who receives it, how long it is kept, transfers and security measures."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from casework import selectors
from casework.models import Beneficiary, HouseholdMember, SupportCase
from casework.privacy import retention
from casework.privacy.models import CaseProcessing, Consent, ConsentKind, LawfulBasis, Purpose
from policy_engine.selectors import policy_version_in_force
from tenants.db import connection


def _label(choice: Any, lang: str) -> str:
    from django.utils import translation

    with translation.override(lang):
        return str(choice.label)


def record_of_processing() -> dict[str, Any]:
    tenant = connection.tenant
    bases = dict(
        CaseProcessing.objects.values_list("lawful_basis")
        .annotate(n=Count("id"))
        .values_list("lawful_basis", "n")
    )
    version = policy_version_in_force()
    intake_fields: list[dict[str, str]] = []
    if version is not None:
        for field in selectors.engine_for(version).intake_form().fields:
            intake_fields.append(
                {"code": field.code, "label_ar": field.label("ar"), "label_en": field.label("en")}
            )
    roles = (
        Role.objects.filter(scope="association")
        .annotate(n=Count("users"))
        .values_list("code", "name_ar", "name_en", "n")
    )
    return {
        "generated_at": timezone.now(),
        "controller": {
            "name_ar": getattr(tenant, "name_ar", ""),
            "name_en": getattr(tenant, "name_en", ""),
            "licence_number": getattr(tenant, "licence_number", ""),
        },
        "processor": {
            "name": "Sila (صلة)",
            "role": "processor on the association's behalf, for no other purpose",
        },
        "purposes": [
            {"code": p.value, "label_ar": _label(p, "ar"), "label_en": _label(p, "en")} for p in Purpose
        ],
        "lawful_bases": [
            {
                "code": b.value,
                "label_ar": _label(b, "ar"),
                "label_en": _label(b, "en"),
                "requests": bases.get(b.value, 0),
            }
            for b in LawfulBasis
        ],
        "data_subjects": {
            "beneficiaries": Beneficiary.objects.filter(merged_into__isnull=True).count(),
            "household_members": HouseholdMember.objects.count(),
            "requests": SupportCase.objects.count(),
        },
        "data_classes": [
            {"code": "identity", "fields": ["national_id", "full_name_ar", "birth_date", "gender"]},
            {"code": "contact", "fields": ["phone_e164", "city"]},
            {
                "code": "household",
                "fields": ["full_name_ar", "relation", "national_id", "birth_date", "gender"],
            },
            {
                "code": "intake_answers",
                "fields": [f["code"] for f in intake_fields],
                "questions": intake_fields,
            },
            {"code": "documents", "fields": ["kind", "file"]},
            {
                "code": "casework",
                "fields": ["events", "checklists", "referrals", "votes_reasons", "decisions"],
            },
            {"code": "services_and_ratings", "fields": ["services", "amounts", "ratings", "comments"]},
            {"code": "logs", "fields": ["audit_trail", "access_log", "sms_deliveries (masked numbers)"]},
        ],
        "recipients": [
            {"kind": "staff_role", "code": code, "name_ar": name_ar, "name_en": name_en, "people": n}
            for code, name_ar, name_en, n in roles
        ]
        + [
            {
                "kind": "sub_processor",
                "code": "sms_gateway",
                "name_ar": "مزوّد الرسائل النصية",
                "name_en": "SMS gateway",
            },
            {
                "kind": "other_associations",
                "code": "cross_check",
                "name_ar": "الجمعيات الأخرى (بصمة مشفّرة لرقم الهوية فقط، بموافقة الشخص)",
                "name_en": "Other associations (a keyed hash of the ID number only, with the person's consent)",
                "people": Consent.objects.filter(
                    kind=ConsentKind.CROSS_CHECK, withdrawn_at__isnull=True
                ).count(),
            },
        ],
        "retention": retention.retention_table(),
        "transfers_outside_the_kingdom": [],
        "security_measures": [
            "a separate database schema per association",
            "two-factor authentication for administrators and board members",
            "every read of a record logged; every write audited",
            "ID numbers shared only as keyed hashes, with consent",
            "API tokens and sign-in codes stored only as hashes",
            "HTTPS only in production",
        ],
        "staff_accounts": User.objects.filter(is_active=True).count(),
    }
