"""What a beneficiary signed in to the portal does about their own data (PDPL): ask the
association to let them access it, correct it (saying what is wrong), erase it or restrict it, and
withdraw a consent they gave. The requests are recorded for the association's admin, due within
30 days (``casework.privacy.rights``); a withdrawn consent stops taking effect at once
(``casework.privacy.consents``). The person is known by the mobile number they signed in with, as
everywhere on the portal; ``actor`` is None and ``via`` is "portal" in the audit trail.

A refused attempt (a second open request of one kind, a consent withdrawn twice) changes nothing
and leaves an audit row of its own, written outside the refused transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import translation

from audit.services import audit_record
from casework.models import Beneficiary
from casework.privacy import consents, rights
from casework.privacy.models import (
    Consent,
    ConsentKind,
    ConsentVia,
    RightKind,
    RightsRequest,
    RightStatus,
)
from core.errors import FieldProblem, ServiceError, invalid, not_found

DETAILS_MAX = 4000


def own_people(phone: str) -> list[Beneficiary]:
    """The records of the association's registry that carry this mobile number (a family may
    share one)."""
    return list(Beneficiary.objects.filter(phone_e164=phone, merged_into__isnull=True).order_by("pk"))


def _own_person(phone: str, person_id: int | None) -> Beneficiary:
    people = own_people(phone)
    if person_id is not None:
        found = next((p for p in people if p.pk == person_id), None)
        if found is None:
            raise not_found("لا يوجد سجل بهذا الرقم لرقم جوالك.", "No record with this id for your number.")
        return found
    if not people:
        raise not_found(
            "لا تحفظ الجمعية سجلًا لرقم الجوال هذا.", "The association holds no record for this mobile number."
        )
    if len(people) > 1:
        raise invalid(
            [
                FieldProblem(
                    "person",
                    "required",
                    "يحمل رقم جوالك أكثر من سجل: اختر صاحب الطلب.",
                    "More than one record carries your mobile number: choose whose request it is.",
                )
            ]
        )
    return people[0]


def _refused(person: Beneficiary, action: str, exc: ServiceError, **changes: object) -> None:
    audit_record(
        actor=None,
        action=action,
        obj=person,
        changes={"refused": {"old": None, "new": exc.code}, "via": {"old": None, "new": ConsentVia.PORTAL}}
        | {key: {"old": None, "new": value} for key, value in changes.items()},
    )


def portal_rights_request(
    *, phone: str, kind: str, details: str = "", person_id: int | None = None
) -> RightsRequest:
    """Record the signed-in person's request to exercise a right, for the admin to handle."""
    problems = []
    if kind not in RightKind.values:
        problems.append(
            FieldProblem("kind", "invalid_choice", "اختر ما تطلبه.", "Choose what you are asking for.")
        )
    if kind == RightKind.CORRECTION and not details.strip():
        problems.append(
            FieldProblem(
                "details",
                "required",
                "اذكر ما الخطأ في بياناتك وما صوابه.",
                "Say what is wrong in your data and what it should be.",
            )
        )
    if len(details) > DETAILS_MAX:
        problems.append(
            FieldProblem(
                "details",
                "too_long",
                f"النص أطول من {DETAILS_MAX} حرف.",
                f"Longer than {DETAILS_MAX} characters.",
            )
        )
    if problems:
        raise invalid(problems)
    person = _own_person(phone, person_id)
    try:
        return rights.rights_request_open(
            actor=None, kind=kind, beneficiary_id=person.pk, details=details, via=ConsentVia.PORTAL
        )
    except ServiceError as exc:
        _refused(person, "privacy.rights_request_not_opened", exc, kind=kind)
        raise


def portal_consent_withdraw(*, phone: str, kind: str, person_id: int | None = None) -> Consent:
    """Withdraw a consent the signed-in person gave; it stops taking effect now."""
    person = _own_person(phone, person_id)
    try:
        return consents.consent_withdraw(
            actor=None, beneficiary_id=person.pk, kind=kind, via=ConsentVia.PORTAL
        )
    except ServiceError as exc:
        _refused(person, "privacy.consent_not_withdrawn", exc, consent=kind[:40])
        raise


# --- What the person sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentView:
    kind: str
    label: str
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None


@dataclass(frozen=True)
class RightsRequestView:
    pk: int
    kind: str
    label: str
    status: str
    status_label: str
    details: str
    received_at: dt.datetime
    due_at: dt.datetime
    completed_at: dt.datetime | None
    outcome: str


@dataclass(frozen=True)
class PersonPrivacy:
    person: Beneficiary
    consents: list[ConsentView]
    requests: list[RightsRequestView]

    @property
    def standing(self) -> list[ConsentView]:
        return [c for c in self.consents if c.withdrawn_at is None]

    @property
    def open_kinds(self) -> set[str]:
        return {r.kind for r in self.requests if r.status == RightStatus.OPEN}


# A request (طلب) is masculine in Arabic; the staff screens' words speak of the admin's work.
PORTAL_STATUS = {
    RightStatus.OPEN: ("قيد المعالجة", "Being handled"),
    RightStatus.DONE: ("أُنجز", "Done"),
    RightStatus.REFUSED: ("رُفض", "Refused"),
}
PORTAL_OUTCOMES = {
    "access_export_ready": (
        "أُعدّت نسخة من بياناتك، وتسلّمك الجمعية إياها.",
        "A copy of your data is ready; the association will hand it to you.",
    ),
}


EXPORT_EXPIRED = (
    "انتهت مدة حفظ نسخة بياناتك وحُذفت. اطلبها من جديد إن احتجت إليها.",
    "The copy of your data was kept for its time and then deleted. Ask again if you need it.",
)


def _outcome(request: RightsRequest, lang: str) -> str:
    if not request.outcome:
        return ""
    if request.export_expired_at is not None:
        return EXPORT_EXPIRED[0 if lang == "ar" else 1]
    if request.outcome in PORTAL_OUTCOMES:
        return PORTAL_OUTCOMES[request.outcome][0 if lang == "ar" else 1]
    return rights.outcome_words(request, lang)


def own_privacy(*, phone: str, lang: str) -> list[PersonPrivacy]:
    """Each record carrying the number: the consents given (standing or withdrawn) and the
    requests about the person's data, newest first, in words."""
    out = []
    with translation.override(lang):
        for person in own_people(phone):
            out.append(
                PersonPrivacy(
                    person=person,
                    consents=[
                        ConsentView(
                            kind=c.kind,
                            label=str(ConsentKind(c.kind).label),
                            given_at=c.given_at,
                            withdrawn_at=c.withdrawn_at,
                        )
                        for c in Consent.objects.filter(beneficiary=person).order_by("-id")
                    ],
                    requests=[
                        RightsRequestView(
                            pk=r.pk,
                            kind=r.kind,
                            label=str(RightKind(r.kind).label),
                            status=r.status,
                            status_label=PORTAL_STATUS[RightStatus(r.status)][0 if lang == "ar" else 1],
                            details=r.details,
                            received_at=r.received_at,
                            due_at=r.due_at,
                            completed_at=r.completed_at,
                            outcome=_outcome(r, lang),
                        )
                        for r in RightsRequest.objects.filter(beneficiary=person).order_by("-id")
                    ],
                )
            )
    return out


def right_choices(lang: str) -> list[tuple[str, str, str]]:
    """(code, label, what it means) of each right the person may ask for."""
    explained = {
        RightKind.ACCESS: (
            "نسخة من كل ما تحفظه الجمعية عنك: السجل والطلبات والمستندات وسجل من اطّلع عليها.",
            "A copy of everything the association holds about you: your record, requests, "
            "documents and who read them.",
        ),
        RightKind.CORRECTION: (
            "تصحيح خطأ في بياناتك: اذكر الخطأ وصوابه.",
            "Correct a mistake in your data: say what is wrong and what it should be.",
        ),
        RightKind.ERASURE: (
            "إتلاف بياناتك. إن أوجب النظام حفظ السجل مدةً قُيّد حتى تنقضي ثم أُتلف.",
            "Erase your data. Where the law requires keeping the record for a time, it is "
            "restricted until then, then erased.",
        ),
        RightKind.RESTRICTION: (
            "إيقاف استعمال بياناتك وإخفاؤها من البحث والقوائم مع حفظها.",
            "Stop the use of your data and hide it from search and lists, while keeping it.",
        ),
    }
    with translation.override(lang):
        return [
            (kind.value, str(kind.label), explained[kind][0 if lang == "ar" else 1]) for kind in RightKind
        ]


def consent_label(kind: str, lang: str) -> str:
    with translation.override(lang):
        return str(ConsentKind(kind).label)
