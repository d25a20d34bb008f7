"""Answers a demo applicant gives to their association's intake form, by sector (the five founding
policies take their sector's template). Used by the demo's sample requests and by tests that need
a request opened the way staff would open it."""

from __future__ import annotations

from typing import Any

from policy_engine.rules.intake import IntakeForm

_HOUSEHOLD = [
    {"full_name": "نورة بنت سعد", "relation": "spouse", "birth_date": "1990-05-14"},
    {"full_name": "سعد", "relation": "son", "birth_date": "2014-09-02"},
]

SAMPLES: dict[str, dict[str, Any]] = {
    "social_services": {
        "support_type": "food_basket",
        "marital_status": "married",
        "monthly_income": 3200,
        "income_source": "social_security",
        "housing": "rented",
        "annual_rent": 18000,
        "disabled_member": "no",
        "need_description": "سلة غذائية شهرية للأسرة",
        "household": _HOUSEHOLD,
    },
    "orphan_care": {
        "applicant_relation": "mother",
        "father_death_date": {"calendar": "hijri", "date": "1443-06-15"},
        "orphans": [
            {
                "full_name": "ريم",
                "birth_date": "2013-03-10",
                "gender": "female",
                "school_grade": "الأول المتوسط",
            },
            {
                "full_name": "خالد",
                "birth_date": "2016-11-21",
                "gender": "male",
                "school_grade": "الرابع الابتدائي",
            },
        ],
        "monthly_income": 2100,
        "income_source": "social_security",
        "housing": "with_relatives",
        "need_description": "كسوة المدارس للأيتام",
    },
    "social_development": {
        "support_type": "productive_family",
        "marital_status": "widowed",
        "qualification": "secondary",
        "skills": "خياطة وتطريز",
        "monthly_income": 1800,
        "income_source": "citizen_account",
        "housing": "owned",
        "need_description": "ماكينة خياطة لبدء مشروع من المنزل",
        "household": _HOUSEHOLD[1:],
    },
    "health_care": {
        "applicant_is_patient": "yes",
        "diagnosis": "فشل كلوي مزمن",
        "treating_facility": "مستشفى الملك خالد بتبوك",
        "medical_need": "dialysis_transport",
        "has_insurance": "no",
        "monthly_income": 2500,
        "income_source": "pension",
        "need_description": "نقل ثلاث مرات أسبوعيًا إلى مركز الغسيل",
    },
    "education": {
        "applicant_is_student": "no",
        "student_name": "عبدالرحمن",
        "education_level": "secondary",
        "institution": "ثانوية الملك فهد",
        "support_type": "laptop",
        "last_gpa": 94,
        "monthly_income": 4000,
        "income_source": "salary",
        "housing": "rented",
        "annual_rent": 15000,
        "need_description": "جهاز حاسب للدراسة عن بعد",
    },
}


def sample_answers(form: IntakeForm) -> dict[str, Any]:
    """The sector sample whose questions this form asks (none for a form asking nothing; a form
    the board changed may still need an answer the sample lacks)."""
    codes = {field.code for field in form.fields}
    fitting: list[dict[str, Any]] = [sample for sample in SAMPLES.values() if set(sample) <= codes]
    best = max(fitting, key=len, default={})
    return dict(best)
