"""The intake form and checklists as part of the policy document: the definition's checks, an
applicant's answers, the sector templates the seeds start from, and the diff the board reads."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policy_engine.rules.answers import check_answers
from policy_engine.rules.diff import diff
from policy_engine.rules.document import PolicyDocument
from policy_engine.rules.engine import PolicyEngine
from policy_engine.rules.seeds import SEED_SLUGS, load_seed
from policy_engine.rules.validation import validate


def seed(slug: str) -> dict[str, Any]:
    document: dict[str, Any] = load_seed(slug)["document"]
    return document


def problems(data: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e.path, e.code) for e in validate(data)}


def field_index(document: dict[str, Any], code: str) -> int:
    return next(i for i, f in enumerate(document["intake_form"]["fields"]) if f["code"] == code)


# --- the five seeds -----------------------------------------------------------------------------

# What each founding association's form asks that the others do not (its sector's questions).
SECTOR_FIELDS = {
    "rumaila": {"support_type", "disabled_member"},
    "jamoum": {"applicant_relation", "father_death_date", "orphans"},
    "mawsam": {"support_type", "qualification", "skills"},
    "tabuk": {"applicant_is_patient", "diagnosis", "medical_need", "has_insurance"},
    "baraa": {"applicant_is_student", "education_level", "institution"},
}
SECTOR_DOCUMENTS = {
    "rumaila": {"utility_bill", "disability_proof"},
    "jamoum": {"death_certificate", "guardianship_deed", "birth_certificates"},
    "mawsam": {"project_description"},
    "tabuk": {"medical_report", "prescription", "price_quote", "insurance_refusal"},
    "baraa": {"enrolment_proof", "academic_record", "tuition_invoice"},
}


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_each_seed_has_its_sectors_form_and_checklists_and_validates(slug: str) -> None:
    data = seed(slug)
    assert validate(data) == []
    document = PolicyDocument.from_dict(data)
    codes = {f.code for f in document.intake_form.fields}
    assert SECTOR_FIELDS[slug] <= codes
    verify = {i.code for i in document.checklist("verify")}
    assert SECTOR_DOCUMENTS[slug] <= verify
    assert {i.code for i in document.checklist("receive")} == {"enquiries_answered", "identity_presented"}
    # Round trip: the document is data, written back as read.
    assert PolicyDocument.from_dict(document.to_dict()) == document


@pytest.mark.parametrize(
    ("slug", "asks"),
    [("rumaila", False), ("jamoum", True), ("mawsam", True), ("tabuk", False), ("baraa", True)],
)
def test_the_support_request_form_is_asked_where_the_policy_lists_it_among_the_tools(
    slug: str, asks: bool
) -> None:
    verify = {i.code for i in PolicyDocument.from_dict(seed(slug)).checklist("verify")}
    assert ("support_request_form" in verify) is asks


def test_a_sectors_other_questions_are_not_asked() -> None:
    jamoum = {f["code"] for f in seed("jamoum")["intake_form"]["fields"]}
    tabuk = {f["code"] for f in seed("tabuk")["intake_form"]["fields"]}
    assert "diagnosis" not in jamoum
    assert "orphans" not in tabuk


# --- the definition's checks --------------------------------------------------------------------


def test_a_form_definition_with_every_kind_of_mistake_reports_each_at_its_field() -> None:
    data = seed("jamoum")
    fields = data["intake_form"]["fields"]
    fields.append(dict(fields[0]))  # the same code twice
    fields.append({"code": "colour", "type": "colour", "label_ar": "لون", "label_en": "Colour"})
    fields.append({"code": "pick", "type": "choice", "label_ar": "اختر", "label_en": "Pick", "options": []})
    fields.append(
        {
            "code": "ghost_note",
            "type": "text",
            "label_ar": "ملاحظة",
            "label_en": "Note",
            "when": {"field": "no_such_field", "equals": "x"},
        }
    )
    count = len(fields)
    assert problems(data) == {
        (f"intake_form.fields[{count - 4}].code", "duplicate_code"),
        (f"intake_form.fields[{count - 3}].type", "unknown_field_type"),
        (f"intake_form.fields[{count - 2}].options", "no_options"),
        (f"intake_form.fields[{count - 1}].when.field", "condition_unknown_field"),
    }


def test_the_definitions_errors_speak_both_languages() -> None:
    data = seed("baraa")
    data["intake_form"]["fields"][field_index(data, "institution")]["type"] = "colour"
    (error,) = validate(data)
    assert "نوع الحقل غير معروف" in error.message_ar
    assert "Unknown field type" in error.message_en


def test_a_document_item_with_an_unknown_file_type_or_a_condition_on_a_wrong_answer_is_refused() -> None:
    data = seed("jamoum")
    verify = data["checklists"]["verify"]
    deed = next(i for i, item in enumerate(verify) if item["code"] == "guardianship_deed")
    verify[deed]["file_types"] = ["pdf", "docx"]
    verify[deed]["when"] = {"field": "applicant_relation", "equals": "uncle"}
    assert problems(data) == {
        (f"checklists.verify[{deed}].file_types[1]", "unknown_file_type"),
        (f"checklists.verify[{deed}].when.equals", "condition_unknown_answer"),
    }


def test_a_checklist_for_a_step_the_procedure_lacks_is_refused() -> None:
    data = seed("tabuk")  # no attest step
    data["checklists"]["attest"] = []
    assert problems(data) == {("checklists.attest", "step_not_in_procedure")}


def test_a_group_inside_a_group_and_options_on_a_text_field_are_refused() -> None:
    data = seed("rumaila")
    household = field_index(data, "household")
    data["intake_form"]["fields"][household]["fields"].append(
        {
            "code": "pets",
            "type": "group",
            "label_ar": "ح",
            "label_en": "P",
            "fields": [dict(data["intake_form"]["fields"][0])],
        }
    )
    need = field_index(data, "need_description")
    data["intake_form"]["fields"][need]["options"] = [{"code": "a", "label_ar": "أ", "label_en": "A"}]
    assert problems(data) == {
        (f"intake_form.fields[{household}].fields[4].type", "nested_group"),
        (f"intake_form.fields[{need}].options", "options_not_allowed"),
    }


# --- an applicant's answers ---------------------------------------------------------------------

JAMOUM_ANSWERS: dict[str, Any] = {
    "applicant_relation": "mother",
    "father_death_date": "1445-03-12",
    "orphans": [{"full_name": "سارة", "birth_date": "2015-04-01", "gender": "female"}],
    "monthly_income": "٢٥٠٠",
    "income_source": "social_security",
    "housing": "owned",
    "need_description": "كسوة العيد",
}


def jamoum_engine() -> PolicyEngine:
    return PolicyEngine.from_dict(seed("jamoum"))


def test_good_answers_come_back_typed_with_both_dates() -> None:
    clean, errors = jamoum_engine().check_intake(JAMOUM_ANSWERS)
    assert errors == []
    assert clean["monthly_income"] == 2500
    # 12 Rabi al-Awwal 1445 (Umm al-Qura) is 27 September 2023.
    assert clean["father_death_date"] == {"gregorian": "2023-09-27", "hijri": "1445-03-12"}
    assert clean["orphans"][0]["birth_date"]["gregorian"] == "2015-04-01"


def test_wrong_answers_are_each_a_field_level_error_in_both_languages() -> None:
    answers = copy.deepcopy(JAMOUM_ANSWERS)
    answers["father_death_date"] = "1445-10-30"  # Shawwal 1445 has 29 days in Umm al-Qura
    answers["monthly_income"] = "كثير"
    answers["applicant_relation"] = "uncle"
    answers["orphans"][0]["gender"] = None
    answers["housing"] = True
    _, errors = jamoum_engine().check_intake(answers)
    by_path = {e.path: e for e in errors}
    assert set(by_path) == {
        "father_death_date",
        "monthly_income",
        "applicant_relation",
        "orphans[0].gender",
        "housing",
    }
    assert by_path["father_death_date"].code == "invalid_hijri_date"
    assert "الهجري" in by_path["father_death_date"].message_ar
    assert by_path["monthly_income"].message_en == "Enter a number."
    assert by_path["orphans[0].gender"].code == "required"


def test_a_required_field_applies_only_when_its_condition_holds() -> None:
    engine = jamoum_engine()
    answers = dict(JAMOUM_ANSWERS, housing="rented")
    _, errors = engine.check_intake(answers)
    assert [(e.path, e.code) for e in errors] == [("annual_rent", "required")]
    # Not renting: an annual rent sent anyway is left out, not stored.
    clean, errors = engine.check_intake(dict(JAMOUM_ANSWERS, annual_rent=12000))
    assert errors == []
    assert "annual_rent" not in clean


def test_a_file_answer_of_the_wrong_type_or_too_large_is_refused() -> None:
    data = seed("baraa")
    data["intake_form"]["fields"].append(
        {
            "code": "report_card",
            "type": "file",
            "label_ar": "الشهادة",
            "label_en": "Report card",
            "file_types": ["pdf"],
            "max_size_mb": 2,
        }
    )
    form = PolicyDocument.from_dict(data).intake_form
    _, errors = check_answers(form, {"report_card": {"name": "a.png", "type": "png", "size": 10}})
    assert ("report_card", "unsupported_type") in {(e.path, e.code) for e in errors}
    _, errors = check_answers(
        form, {"report_card": {"name": "a.pdf", "type": "pdf", "size": 3 * 1024 * 1024}}
    )
    assert ("report_card", "too_large") in {(e.path, e.code) for e in errors}
    assert "2" in next(e for e in errors if e.path == "report_card").message_en


def test_the_checklist_follows_the_applicants_answers() -> None:
    engine = jamoum_engine()
    mother = {i.code for i in engine.checklist("verify", {"applicant_relation": "mother"})}
    guardian = {i.code for i in engine.checklist("verify", {"applicant_relation": "guardian"})}
    assert "guardianship_deed" not in mother
    assert "guardianship_deed" in guardian
    assert "death_certificate" in mother


# --- the diff the board reads -------------------------------------------------------------------


def test_the_diff_shows_a_field_made_required_and_a_document_added() -> None:
    old = seed("baraa")
    new = copy.deepcopy(old)
    gpa = field_index(new, "last_gpa")
    new["intake_form"]["fields"][gpa]["required"] = True
    new["checklists"]["verify"].append(
        {"code": "guardian_id", "kind": "document", "label_ar": "هوية ولي الأمر", "label_en": "Guardian's ID"}
    )
    changes = diff(PolicyDocument.from_dict(old), PolicyDocument.from_dict(new))
    assert [(c.section, c.kind, c.path) for c in changes] == [
        ("intake_form", "changed", "intake_form.last_gpa.required"),
        ("checklists", "added", "checklists.verify.guardian_id"),
    ]
    assert [c.describe("ar") for c in changes] == [
        "أصبح «المعدل في آخر فصل» في نموذج الطلب مطلوبًا",
        "أضيف مستند إلى قائمة التحقق في خطوة «التأكد من اكتمال المعلومات ومطابقة البيانات»: هوية ولي الأمر",
    ]
    assert [c.describe("en") for c in changes] == [
        "'Grade average last term' in the application form is now required",
        "A document was added to the checklist of step 'Check and match the information': Guardian's ID",
    ]


def test_the_diff_shows_a_changed_file_type_and_a_removed_field() -> None:
    old = seed("jamoum")
    new = copy.deepcopy(old)
    del new["intake_form"]["fields"][field_index(new, "alternate_phone")]
    deed = next(i for i in new["checklists"]["verify"] if i["code"] == "guardianship_deed")
    deed["file_types"] = ["pdf", "jpeg"]
    changes = diff(PolicyDocument.from_dict(old), PolicyDocument.from_dict(new))
    assert [c.describe("en") for c in changes] == [
        "A field was removed from the application form: Alternate mobile number (a relative)",
        "The accepted file types of 'The court deed of guardianship over the orphans' in the checklist of "
        "step 'Check and match the information' changed from 'PDF' to 'PDF / JPEG'",
    ]


def test_the_diff_words_conditions_kinds_and_sizes_without_codes() -> None:
    old = seed("mawsam")
    new = copy.deepcopy(old)
    rent = new["intake_form"]["fields"][field_index(new, "annual_rent")]
    rent["when"] = {"field": "housing", "one_of": ["rented", "with_relatives"]}
    skills = new["intake_form"]["fields"][field_index(new, "skills")]
    skills["type"] = "number"
    del skills["when"]
    lease = next(i for i in new["checklists"]["verify"] if i["code"] == "lease_contract")
    lease["max_size_mb"] = 5
    changes = diff(PolicyDocument.from_dict(old), PolicyDocument.from_dict(new))
    assert [c.describe("ar") for c in changes] == [
        "تغيّر النوع لـ «المهارات والخبرات» في نموذج الطلب من «نص» إلى «رقم»",
        "تغيّر شرط الطلب لـ «المهارات والخبرات» في نموذج الطلب من «إذا كانت إجابة «نوع الدعم المطلوب» "
        "«مشروع أسرة منتجة» أو «تدريب وتأهيل» أو «المساعدة في التوظيف»» إلى «دائمًا»",
        "تغيّر شرط الطلب لـ «قيمة الإيجار السنوي (ريال)» في نموذج الطلب من «إذا كانت إجابة «السكن» «إيجار»» "
        "إلى «إذا كانت إجابة «السكن» «إيجار» أو «مع الأقارب»»",
        "تغيّر أكبر حجم للملف لـ «عقد الإيجار الموثّق من منصة إيجار» في قائمة التحقق في خطوة "
        "«التأكد من اكتمال المعلومات ومطابقة البيانات» من «10 ميغابايت» إلى «5 ميغابايت»",
    ]
    assert changes[2].describe("en") == (
        "The condition of 'Annual rent (SAR)' in the application form changed from "
        """'when "Housing" is "Rented"' to 'when "Housing" is "Rented" or "With relatives"'"""
    )


def test_a_document_added_for_some_answers_says_when() -> None:
    old = seed("jamoum")
    new = copy.deepcopy(old)
    new["checklists"]["verify"].append(
        {
            "code": "relatives_letter",
            "kind": "document",
            "label_ar": "تعريف من الأقارب",
            "label_en": "A letter from the relatives",
            "when": {"field": "housing", "equals": "with_relatives"},
        }
    )
    (change,) = diff(PolicyDocument.from_dict(old), PolicyDocument.from_dict(new))
    assert change.describe("ar") == (
        "أضيف مستند إلى قائمة التحقق في خطوة «التأكد من اكتمال المعلومات ومطابقة البيانات»: "
        "تعريف من الأقارب (إذا كانت إجابة «السكن» «مع الأقارب»)"
    )
    assert change.describe("en") == (
        "A document was added to the checklist of step 'Check and match the information': "
        'A letter from the relatives (when "Housing" is "With relatives")'
    )
