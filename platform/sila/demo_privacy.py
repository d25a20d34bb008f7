"""The demo's privacy data (docs/adr/0019-privacy-by-law-and-by-design.md): each association's
published privacy notice (Sila's template, published by its admin), and one person served by two
associations (Rumaila and Jamoum), who consented at both to the cross-association check, and at
Rumaila also to being named. Staff of either who check that person's record see "served by one
other association" (Jamoum's staff also see Rumaila's name and category; Rumaila's see no name)
and nothing else of the other's record. At Rumaila the same person is the access-export example:
two served and rated requests, and two documents.

Everything goes through the services, as staff would do it; each function is idempotent."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from casework import services
from casework.models import Beneficiary, CaseStatus, SupportCase
from casework.privacy import consents as privacy
from casework.validators import luhn_valid
from policy_engine.rules.engine import PolicyEngine
from policy_engine.selectors import policy_version_in_force
from sila.demo_intake import sample_answers

SHARED_NAME = "سارة بنت عبدالعزيز العمري"
# The same national ID at both associations; a different mobile number at each (she gave her
# sister's number at Jamoum), so that a test can show neither number crosses.
SHARED_NATIONAL_ID = next("105140014" + d for d in "0123456789" if luhn_valid("105140014" + d))
SHARED_PHONES = {"rumaila": "0551400014", "jamoum": "0551400025"}
SHARED_CONSENTS = {
    "rumaila": ["sms", "cross_check", "cross_check_named"],
    "jamoum": ["sms", "cross_check"],
}
# A tiny PDF: stands in for the ID copy and the salary letter the person handed in.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def sample_consents(index: int) -> list[str]:
    """What the index-th sample applicant agreed to: every one to texts about the request (the
    demo shows them), every other one also to the check with other associations."""
    return ["sms", "cross_check"] if index % 2 == 0 else ["sms"]


def seed_privacy_notice(admin: User) -> int | None:
    """Publish Sila's template as the association's privacy notice, if it has none yet; the
    version in force."""
    notice = privacy.notice_in_force()
    if notice is None:
        body_ar, body_en = privacy.notice_template()
        notice = privacy.privacy_notice_publish(actor=admin, body_ar=body_ar, body_en=body_en)
    return notice.version


def seed_shared_person(staff: dict[str, User], *, slug: str) -> Beneficiary | None:
    """The person served by Rumaila and Jamoum (nothing elsewhere, nothing when already there)."""
    from sila.demo_cases import advance_step

    if slug not in SHARED_PHONES or Beneficiary.objects.filter(national_id=SHARED_NATIONAL_ID).exists():
        return None
    version = policy_version_in_force()
    if version is None:
        return None
    engine = PolicyEngine.from_dict(version.document)
    reception = staff["reception"]
    person = services.beneficiary_register(
        actor=reception,
        national_id=SHARED_NATIONAL_ID,
        full_name_ar=SHARED_NAME,
        phone=SHARED_PHONES[slug],
        city="جدة" if slug == "rumaila" else "الجموم",
    )
    notice_version = seed_privacy_notice(staff["admin"])

    def open_request() -> SupportCase:
        return services.case_open(
            actor=reception,
            beneficiary_id=person.pk,
            channel=next(iter(engine.allowed_channels())),
            intake=sample_answers(engine.intake_form()),
            consents=SHARED_CONSENTS[slug],
            notice_version=notice_version,
        )

    if slug == "jamoum":
        open_request()  # one open request, resting at the first step
        return person
    # Rumaila: two served, rated requests and two documents (the access export's example).
    for score, comment in ((5, "جزاكم الله خيرًا"), (4, "تأخر الصرف قليلًا")):
        case = open_request()
        while case.status == CaseStatus.OPEN:
            case = advance_step(case, staff)
        services.satisfaction_record(actor=reception, case_id=case.pk, score=score, comment=comment)
        services.beneficiary_document_upload(
            actor=reception,
            beneficiary_id=person.pk,
            upload=SimpleUploadedFile(
                f"مستند-{case.pk}.pdf", TINY_PDF + bytes([score]), content_type="application/pdf"
            ),
            case_id=case.pk,
        )
    return person
