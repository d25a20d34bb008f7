"""The privacy notice's versions, and the purpose, lawful basis and consents recorded at intake.

Every write is one transaction with its audit row. ``actor=None`` is the applicant on the
association's website, or the system."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework import roles
from casework.models import Beneficiary, SupportCase
from casework.privacy.models import (
    CaseProcessing,
    Consent,
    ConsentKind,
    ConsentVia,
    LawfulBasis,
    PrivacyNotice,
    Purpose,
)
from casework.privacy.notice import template_text
from core.errors import FieldProblem, ServiceError, forbidden, invalid, not_found
from tenants.db import connection

NOTICE_MAX = 20_000
INTAKE_PURPOSES = [Purpose.STUDY_AND_SERVE.value, Purpose.FOLLOW_UP.value, Purpose.REPORTING.value]


def _association_names() -> tuple[str, str]:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "name_ar", "الجمعية"), getattr(tenant, "name_en", "The association")


def notice_template() -> tuple[str, str]:
    """Sila's template, filled in with this association's names."""
    name_ar, name_en = _association_names()
    return template_text(name_ar=name_ar, name_en=name_en)


def notice_in_force() -> PrivacyNotice | None:
    return PrivacyNotice.objects.order_by("-version").first()


@transaction.atomic
def privacy_notice_publish(*, actor: User | None, body_ar: str, body_en: str) -> PrivacyNotice:
    """Publish a new version of the association's privacy notice (the association's admin)."""
    if actor is not None and not roles.has_any(actor, (roles.ADMIN,)):
        raise forbidden("لا تملك صلاحية نشر إشعار الخصوصية.", "You may not publish the privacy notice.")
    problems = []
    for field, value in (("body_ar", body_ar), ("body_en", body_en)):
        if not value.strip():
            problems.append(FieldProblem(field, "required", "هذا الحقل مطلوب.", "This field is required."))
        elif len(value) > NOTICE_MAX:
            problems.append(
                FieldProblem(
                    field,
                    "too_long",
                    f"النص أطول من {NOTICE_MAX} حرف.",
                    f"The text is longer than {NOTICE_MAX} characters.",
                )
            )
    if problems:
        raise invalid(problems)
    _lock_versions()
    last = PrivacyNotice.objects.order_by("-version").values_list("version", flat=True).first() or 0
    template_ar, template_en = notice_template()
    notice = PrivacyNotice.objects.create(
        version=last + 1,
        body_ar=body_ar.strip(),
        body_en=body_en.strip(),
        from_template=(body_ar.strip(), body_en.strip()) == (template_ar.strip(), template_en.strip()),
        published_by=actor,
    )
    audit_record(
        actor=actor,
        action="privacy.notice_published",
        obj=notice,
        changes={"version": {"old": last or None, "new": notice.version}},
    )
    return notice


def _lock_versions() -> None:
    """Versions are numbered in order, so publishers take turns: a lock on the table, not on its
    last row, because the first version has no row to lock (two admins publishing the first
    notice at once would both number it 1, and one would fail on the unique version). The lock
    lets readers through; it lasts until the caller's transaction ends."""
    table = connection.ops.quote_name(PrivacyNotice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def notice_for_intake() -> PrivacyNotice:
    """The notice in force; an association that has published none has Sila's template as its
    first version (published by the system the first time a request needs it: two first requests
    at once publish it once)."""
    notice = notice_in_force()
    if notice is None:
        with transaction.atomic():
            _lock_versions()
            notice = notice_in_force()
            if notice is None:
                body_ar, body_en = notice_template()
                notice = privacy_notice_publish(actor=None, body_ar=body_ar, body_en=body_en)
    return notice


def _consent_problems(kinds: Collection[str]) -> list[FieldProblem]:
    problems = [
        FieldProblem(
            "privacy.consents",
            "unknown_consent",
            "موافقة غير معروفة.",
            f"Unknown consent; one of {sorted(ConsentKind.values)}.",
        )
        for kind in kinds
        if kind not in ConsentKind.values
    ]
    if ConsentKind.CROSS_CHECK_NAMED in kinds and ConsentKind.CROSS_CHECK not in kinds:
        problems.append(
            FieldProblem(
                "privacy.consents",
                "named_needs_check",
                "لا يُذكر اسم الجمعية للجمعيات الأخرى إلا مع الموافقة على التحقق نفسه.",
                "Naming the association to others needs consent to the check itself.",
            )
        )
    return problems


def intake_privacy_check(
    *,
    consents: Collection[str] | None,
    notice_version: int | None,
    lawful_basis: str,
    notice_given: bool = True,
) -> PrivacyNotice:
    """Check what an intake says about privacy before anything is saved; the notice it names."""
    problems = _consent_problems(consents or ())
    if not notice_given:
        problems.append(
            FieldProblem(
                "notice_given",
                "notice_not_given",
                "أعطِ مقدّم الطلب إشعار الخصوصية وأبلغه بالغرض من الطلب أولًا.",
                "Give the applicant the privacy notice and tell them the request's purpose first.",
            )
        )
    if lawful_basis not in LawfulBasis.values:
        problems.append(
            FieldProblem(
                "privacy.lawful_basis",
                "invalid_choice",
                "أساس نظامي غير معروف.",
                f"Unknown lawful basis; one of {sorted(LawfulBasis.values)}.",
            )
        )
    notice = None
    if notice_version is not None:
        notice = PrivacyNotice.objects.filter(version=notice_version).first()
        if notice is None:
            problems.append(
                FieldProblem(
                    "privacy.notice_version",
                    "no_such_notice",
                    "لا يوجد إصدار بهذا الرقم من إشعار الخصوصية.",
                    "There is no privacy notice version with this number.",
                )
            )
    if problems:
        raise invalid(problems)
    return notice or notice_for_intake()


def intake_privacy_record(
    *,
    actor: User | None,
    case: SupportCase,
    notice: PrivacyNotice,
    consents: Collection[str] | None,
    lawful_basis: str,
    via: str,
) -> CaseProcessing:
    """Record the purpose, lawful basis, notice and consents of a request being opened (inside
    ``case_open``'s transaction). ``consents=None``: nobody was asked (the system's own requests)."""
    processing = CaseProcessing.objects.create(
        case=case,
        lawful_basis=lawful_basis,
        purposes=INTAKE_PURPOSES,
        notice=notice,
        consents_asked=consents is not None,
        via=via,
    )
    given = []
    for kind in ConsentKind.values:
        if kind not in (consents or ()):
            continue
        if Consent.objects.filter(
            beneficiary=case.beneficiary, kind=kind, withdrawn_at__isnull=True
        ).exists():
            continue  # already given (at an earlier request): it stands
        Consent.objects.create(
            beneficiary=case.beneficiary,
            kind=kind,
            case=case,
            notice=notice,
            given_via=via,
            recorded_by=actor,
        )
        given.append(kind)
    audit_record(
        actor=actor,
        action="privacy.intake_recorded",
        obj=case,
        changes={
            "lawful_basis": {"old": None, "new": lawful_basis},
            "notice_version": {"old": None, "new": notice.version},
            "consents": {"old": None, "new": sorted(given)},
        },
    )
    if ConsentKind.CROSS_CHECK in given:
        from casework.privacy import crosscheck

        crosscheck.register(beneficiary=case.beneficiary)
    return processing


def active_consents(beneficiary: Beneficiary) -> set[str]:
    return set(
        Consent.objects.filter(beneficiary=beneficiary, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )


def sms_allowed(beneficiary: Beneficiary) -> bool:
    """Whether messages about their requests may be texted to this person: they consented and
    have not withdrawn it. A person never asked (records from before consents were asked, or
    opened by the system) keeps receiving them: the messages serve the request they made."""
    if Consent.objects.filter(
        beneficiary=beneficiary, kind=ConsentKind.SMS, withdrawn_at__isnull=True
    ).exists():
        return True
    if Consent.objects.filter(beneficiary=beneficiary, kind=ConsentKind.SMS).exists():
        return False
    return not CaseProcessing.objects.filter(case__beneficiary=beneficiary, consents_asked=True).exists()


@transaction.atomic
def consent_withdraw(
    *, actor: User | None, beneficiary_id: int, kind: str, via: str = ConsentVia.OFFICE
) -> Consent:
    """Record that the person withdrew a consent; it stops taking effect now (a withdrawn
    cross-association check removes their entry from the shared register)."""
    if actor is not None and not roles.has_any(actor, roles.REGISTRY_WRITERS):
        raise forbidden("لا تملك صلاحية هذا الإجراء.", "You are not allowed to do this.")
    beneficiary = Beneficiary.objects.filter(pk=beneficiary_id, merged_into__isnull=True).first()
    if beneficiary is None:
        raise not_found("لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")
    if kind not in ConsentKind.values:
        raise invalid(
            [
                FieldProblem(
                    "kind",
                    "invalid_choice",
                    "موافقة غير معروفة.",
                    f"Unknown consent; one of {sorted(ConsentKind.values)}.",
                )
            ]
        )
    consent = (
        Consent.objects.select_for_update()
        .filter(beneficiary=beneficiary, kind=kind, withdrawn_at__isnull=True)
        .first()
    )
    if consent is None:
        raise ServiceError(
            "consent_not_active",
            "لا توجد موافقة قائمة من هذا النوع: لم تُعطَ أو سُحبت من قبل.",
            "There is no standing consent of this kind: it was never given or was already withdrawn.",
            409,
            [
                FieldProblem(
                    "kind",
                    "consent_not_active",
                    "لا توجد موافقة قائمة من هذا النوع.",
                    "No standing consent of this kind.",
                )
            ],
        )
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_via = via
    consent.withdrawn_by = actor
    consent.save(update_fields=["withdrawn_at", "withdrawn_via", "withdrawn_by"])
    withdrawn = [consent]
    if kind == ConsentKind.CROSS_CHECK:
        # Naming the association to others rests on the check itself: it ends with it.
        named = Consent.objects.filter(
            beneficiary=beneficiary, kind=ConsentKind.CROSS_CHECK_NAMED, withdrawn_at__isnull=True
        ).first()
        if named is not None:
            named.withdrawn_at, named.withdrawn_via, named.withdrawn_by = consent.withdrawn_at, via, actor
            named.save(update_fields=["withdrawn_at", "withdrawn_via", "withdrawn_by"])
            withdrawn.append(named)
    for row in withdrawn:
        audit_record(
            actor=actor,
            action="privacy.consent_withdrawn",
            obj=beneficiary,
            changes={"consent": {"old": row.kind, "new": None}, "via": {"old": None, "new": via}},
        )
    if kind in (ConsentKind.CROSS_CHECK, ConsentKind.CROSS_CHECK_NAMED):
        from casework.privacy import crosscheck

        crosscheck.register(beneficiary=beneficiary)
    return consent


def consent_labels() -> list[tuple[str, str, str]]:
    """(code, Arabic, English) of each consent a person may give."""
    from django.utils import translation

    out = []
    for choice in ConsentKind:
        with translation.override("ar"):
            label_ar = str(choice.label)
        with translation.override("en"):
            label_en = str(choice.label)
        out.append((choice.value, label_ar, label_en))
    return out
