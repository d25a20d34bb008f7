"""The intake form and checklists a new policy starts from, by sector.

Written from what Saudi charities of each sector ask an applicant for: the family's income and
housing and the household (every sector); the father's death certificate and the guardianship
deed (orphan care); a recent medical report and a price quote (health care); proof of enrolment
and the academic record (education); a lease contract from the Ejar platform when the family
rents. The board edits them like any other part of the policy before approving it.

A policy that lists the support request form among its staff tools asks for it at verification.

Longer than ~500 lines on purpose: it is data (five sectors' questions, options and documents in
both languages), one builder per sector, with no logic beyond assembling them.
"""

from __future__ import annotations

from typing import Any

SECTORS: tuple[str, ...] = (
    "social_services",
    "orphan_care",
    "social_development",
    "health_care",
    "education",
)
SECTOR_NAMES: dict[str, tuple[str, str]] = {
    "social_services": ("الخدمات الاجتماعية", "Social services"),
    "orphan_care": ("رعاية الأيتام", "Orphan care"),
    "social_development": ("التنمية الاجتماعية", "Social development"),
    "health_care": ("الرعاية الصحية", "Health care"),
    "education": ("التعليم", "Education"),
}

Option = tuple[str, str, str]


def _field(code: str, kind: str, ar: str, en: str, *, required: bool = False, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "type": kind, "label_ar": ar, "label_en": en, "required": required}
    options: list[Option] | None = extra.pop("options", None)
    if options:
        out["options"] = [{"code": c, "label_ar": a, "label_en": e} for c, a, e in options]
    when = extra.pop("when", None)
    out |= extra
    if when is not None:
        out["when"] = when
    return out


def _item(code: str, kind: str, ar: str, en: str, *, required: bool = True, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "kind": kind, "label_ar": ar, "label_en": en, "required": required}
    out |= extra
    return out


def _when(field: str, *answers: str | bool) -> dict[str, Any]:
    if len(answers) == 1:
        return {"field": field, "equals": answers[0]}
    return {"field": field, "one_of": list(answers)}


_ANY_FILE = ["pdf", "png", "jpeg"]
_PDF = ["pdf"]

# --- what every sector asks --------------------------------------------------------------------

_MARITAL = _field(
    "marital_status",
    "choice",
    "الحالة الاجتماعية",
    "Marital status",
    required=True,
    options=[
        ("single", "أعزب / عزباء", "Single"),
        ("married", "متزوج / متزوجة", "Married"),
        ("divorced", "مطلق / مطلقة", "Divorced"),
        ("widowed", "أرمل / أرملة", "Widowed"),
    ],
)
_INCOME = _field(
    "monthly_income",
    "number",
    "إجمالي دخل الأسرة الشهري (ريال)",
    "Household's total monthly income (SAR)",
    required=True,
    help_ar="جميع مصادر الدخل: الراتب، الضمان الاجتماعي، حساب المواطن، التقاعد. اكتب ٠ إن لم يوجد دخل.",
    help_en="Every source: salary, social security, Citizen Account, pension. Write 0 if there is none.",
)
_INCOME_SOURCE = _field(
    "income_source",
    "choice",
    "مصدر الدخل الرئيس",
    "Main source of income",
    required=True,
    options=[
        ("salary", "راتب", "Salary"),
        ("social_security", "الضمان الاجتماعي", "Social security"),
        ("pension", "معاش تقاعدي", "Pension"),
        ("citizen_account", "حساب المواطن", "Citizen Account"),
        ("none", "لا يوجد دخل", "No income"),
        ("other", "أخرى", "Other"),
    ],
)
_HOUSING = _field(
    "housing",
    "choice",
    "السكن",
    "Housing",
    required=True,
    options=[
        ("owned", "ملك", "Owned"),
        ("rented", "إيجار", "Rented"),
        ("with_relatives", "مع الأقارب", "With relatives"),
        ("charity_housing", "سكن خيري", "Charity housing"),
    ],
)
_RENT = _field(
    "annual_rent",
    "number",
    "قيمة الإيجار السنوي (ريال)",
    "Annual rent (SAR)",
    required=True,
    when=_when("housing", "rented"),
)
_ALT_PHONE = _field(
    "alternate_phone",
    "phone",
    "رقم جوال بديل (أحد الأقارب)",
    "Alternate mobile number (a relative)",
    help_ar="للتواصل إن تعذّر الوصول إلى مقدم الطلب.",
    help_en="To reach the family if the applicant cannot be reached.",
)
_NEED = _field(
    "need_description",
    "text",
    "وصف الحاجة",
    "What is needed",
    required=True,
    help_ar="باختصار: ما الذي تحتاجه الأسرة ولماذا الآن.",
    help_en="Briefly: what the family needs, and why now.",
)
_RELATIONS = [
    ("spouse", "زوج / زوجة", "Spouse"),
    ("son", "ابن", "Son"),
    ("daughter", "ابنة", "Daughter"),
    ("father", "أب", "Father"),
    ("mother", "أم", "Mother"),
    ("other", "قريب آخر", "Other relative"),
]
_GENDERS = [("male", "ذكر", "Male"), ("female", "أنثى", "Female")]


def _household(
    code: str = "household", ar: str = "أفراد الأسرة", en: str = "Household members"
) -> dict[str, Any]:
    return _field(
        code,
        "group",
        ar,
        en,
        max_rows=20,
        help_ar="كل من يعيش مع مقدم الطلب ويعولهم.",
        help_en="Everyone living with the applicant whom they support.",
        fields=[
            _field("full_name", "text", "الاسم الكامل", "Full name", required=True),
            _field("relation", "choice", "صلة القرابة", "Relation", required=True, options=_RELATIONS),
            _field("national_id", "national_id", "رقم الهوية أو الإقامة", "National ID or iqama number"),
            _field("birth_date", "date", "تاريخ الميلاد", "Date of birth"),
        ],
    )


_RECEIVE = [
    _item(
        "enquiries_answered",
        "info",
        "أُجيب المستفيد عن جميع استفساراته ومُنح الوقت الكافي",
        "The beneficiary's enquiries were all answered, with enough time given",
    ),
    _item(
        "identity_presented",
        "document",
        "صورة الهوية الوطنية أو الإقامة",
        "A copy of the national ID or iqama",
        file_types=_ANY_FILE,
    ),
]
_VERIFY_COMMON = [
    _item(
        "personal_data_matches", "info", "البيانات الشخصية مطابقة للهوية", "The personal data matches the ID"
    ),
    _item("mobile_confirmed", "info", "رقم الجوال مؤكَّد", "The mobile number is confirmed"),
    _item("household_complete", "info", "بيانات أفراد الأسرة مكتملة", "The household details are complete"),
    _item(
        "family_record",
        "document",
        "صورة سجل الأسرة",
        "A copy of the family record",
        file_types=_ANY_FILE,
    ),
    _item(
        "income_proof",
        "document",
        "ما يثبت الدخل (تعريف بالراتب أو مشهد الضمان الاجتماعي أو التقاعد)",
        "Proof of income (salary certificate, social security or pension statement)",
        file_types=_ANY_FILE,
    ),
    _item(
        "lease_contract",
        "document",
        "عقد الإيجار الموثّق من منصة إيجار",
        "The lease contract registered on the Ejar platform",
        file_types=_PDF,
        when=_when("housing", "rented"),
    ),
    _item(
        "iban_certificate",
        "document",
        "شهادة الآيبان باسم المستفيد من البنك",
        "The bank's IBAN certificate in the beneficiary's name",
        file_types=_ANY_FILE,
    ),
]
_SUPPORT_FORM = _item(
    "support_request_form",
    "document",
    "نموذج طلب دعم مستفيد معبأ وموقّع",
    "The beneficiary support request form, filled in and signed",
    file_types=_ANY_FILE,
)

# --- by sector ---------------------------------------------------------------------------------


def _social_services() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    support = _field(
        "support_type",
        "choice",
        "نوع المساعدة المطلوبة",
        "Kind of help requested",
        required=True,
        options=[
            ("food_basket", "سلة غذائية", "Food basket"),
            ("rent", "سداد إيجار", "Rent payment"),
            ("bills", "سداد فواتير الكهرباء والمياه", "Electricity and water bills"),
            ("furniture", "أثاث وأجهزة منزلية", "Furniture and home appliances"),
            ("cash_aid", "مساعدة مالية", "Financial aid"),
        ],
    )
    disability = _field(
        "disabled_member", "yes_no", "هل في الأسرة فرد من ذوي الإعاقة؟", "Is a household member disabled?"
    )
    fields = [
        support,
        _MARITAL,
        _INCOME,
        _INCOME_SOURCE,
        _HOUSING,
        _RENT,
        disability,
        _NEED,
        _ALT_PHONE,
        _household(),
    ]
    items = [
        _item(
            "utility_bill",
            "document",
            "آخر فاتورة كهرباء أو مياه",
            "The latest electricity or water bill",
            file_types=_ANY_FILE,
            when=_when("support_type", "bills"),
        ),
        _item(
            "disability_proof",
            "document",
            "تقرير طبي أو بطاقة إثبات الإعاقة",
            "A medical report or disability card",
            file_types=_ANY_FILE,
            when=_when("disabled_member", True),
        ),
    ]
    return fields, items


def _social_development() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    support = _field(
        "support_type",
        "choice",
        "نوع الدعم المطلوب",
        "Kind of support requested",
        required=True,
        options=[
            ("productive_family", "مشروع أسرة منتجة", "Productive family project"),
            ("training", "تدريب وتأهيل", "Training"),
            ("employment", "المساعدة في التوظيف", "Help finding work"),
            ("food_basket", "سلة غذائية", "Food basket"),
            ("cash_aid", "مساعدة مالية", "Financial aid"),
        ],
    )
    education = _field(
        "qualification",
        "choice",
        "أعلى مؤهل دراسي",
        "Highest qualification",
        required=True,
        options=[
            ("none", "لا يوجد", "None"),
            ("primary", "ابتدائي", "Primary"),
            ("intermediate", "متوسط", "Intermediate"),
            ("secondary", "ثانوي", "Secondary"),
            ("diploma", "دبلوم", "Diploma"),
            ("bachelor", "بكالوريوس فأعلى", "Bachelor's or higher"),
        ],
    )
    skills = _field(
        "skills",
        "text",
        "المهارات والخبرات",
        "Skills and experience",
        when=_when("support_type", "productive_family", "training", "employment"),
    )
    fields = [
        support,
        _MARITAL,
        education,
        skills,
        _INCOME,
        _INCOME_SOURCE,
        _HOUSING,
        _RENT,
        _NEED,
        _ALT_PHONE,
    ]
    fields.append(_household())
    items = [
        _item(
            "project_description",
            "document",
            "وصف المشروع ودراسة جدواه المبسطة",
            "The project's description and a simple feasibility study",
            file_types=_ANY_FILE,
            when=_when("support_type", "productive_family"),
        ),
        _item(
            "qualification_certificates",
            "document",
            "صور الشهادات الدراسية أو شهادات الخبرة",
            "Copies of qualifications or experience certificates",
            file_types=_ANY_FILE,
            required=False,
            when=_when("support_type", "training", "employment"),
        ),
    ]
    return fields, items


def _orphan_care() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    applicant = _field(
        "applicant_relation",
        "choice",
        "صفة مقدم الطلب",
        "The applicant is",
        required=True,
        options=[
            ("mother", "أم الأيتام", "The orphans' mother"),
            ("guardian", "ولي أمر الأيتام أو الوصي عليهم", "The orphans' guardian"),
            ("orphan", "اليتيم نفسه (أتم ١٨ سنة)", "The orphan (18 or older)"),
        ],
    )
    death = _field(
        "father_death_date",
        "date",
        "تاريخ وفاة الأب",
        "Date of the father's death",
        required=True,
        calendar="hijri",
        help_ar="بالتقويم الهجري كما في شهادة الوفاة.",
        help_en="In the Hijri calendar, as on the death certificate.",
    )
    orphans = _field(
        "orphans",
        "group",
        "الأيتام",
        "The orphans",
        required=True,
        max_rows=15,
        fields=[
            _field("full_name", "text", "الاسم الكامل", "Full name", required=True),
            _field("national_id", "national_id", "رقم الهوية", "National ID number"),
            _field("birth_date", "date", "تاريخ الميلاد", "Date of birth", required=True),
            _field("gender", "choice", "الجنس", "Gender", required=True, options=_GENDERS),
            _field("school_grade", "text", "المرحلة الدراسية", "School year"),
        ],
    )
    fields = [applicant, death, orphans, _INCOME, _INCOME_SOURCE, _HOUSING, _RENT, _NEED, _ALT_PHONE]
    items = [
        _item(
            "death_certificate",
            "document",
            "شهادة وفاة الأب",
            "The father's death certificate",
            file_types=_ANY_FILE,
        ),
        _item(
            "guardianship_deed",
            "document",
            "صك الولاية أو الوصاية على الأيتام",
            "The court deed of guardianship over the orphans",
            file_types=_PDF,
            when=_when("applicant_relation", "guardian"),
        ),
        _item(
            "birth_certificates",
            "document",
            "شهادات ميلاد الأيتام",
            "The orphans' birth certificates",
            file_types=_ANY_FILE,
        ),
        _item(
            "school_certificates",
            "document",
            "تعريف دراسي للأيتام الملتحقين بالدراسة",
            "School certificates of the orphans at school",
            file_types=_ANY_FILE,
            required=False,
        ),
    ]
    return fields, items


def _health_care() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    is_patient = _field(
        "applicant_is_patient",
        "yes_no",
        "هل مقدم الطلب هو المريض؟",
        "Is the applicant the patient?",
        required=True,
    )
    patient_name = _field(
        "patient_name",
        "text",
        "اسم المريض",
        "The patient's name",
        required=True,
        when=_when("applicant_is_patient", False),
    )
    patient_id = _field(
        "patient_national_id",
        "national_id",
        "رقم هوية المريض",
        "The patient's ID number",
        required=True,
        when=_when("applicant_is_patient", False),
    )
    diagnosis = _field(
        "diagnosis", "text", "التشخيص كما في التقرير الطبي", "Diagnosis, as on the report", required=True
    )
    facility = _field(
        "treating_facility", "text", "جهة العلاج", "Where the patient is treated", required=True
    )
    need = _field(
        "medical_need",
        "choice",
        "نوع الحاجة",
        "What is needed",
        required=True,
        options=[
            ("medication", "أدوية", "Medication"),
            ("medical_device", "جهاز طبي (كرسي متحرك، سرير طبي، جهاز تنفس...)", "A medical device"),
            ("treatment_cost", "تكاليف علاج أو عملية", "Treatment or surgery costs"),
            ("dialysis_transport", "نقل إلى مركز الغسيل الكلوي", "Transport to dialysis"),
            ("home_care", "رعاية منزلية", "Home care"),
        ],
    )
    insured = _field(
        "has_insurance",
        "yes_no",
        "هل لدى المريض تأمين طبي؟",
        "Does the patient have medical insurance?",
        required=True,
    )
    cost = _field("estimated_cost", "number", "التكلفة التقديرية (ريال)", "Estimated cost (SAR)")
    fields = [
        is_patient,
        patient_name,
        patient_id,
        diagnosis,
        facility,
        need,
        insured,
        cost,
        _INCOME,
        _INCOME_SOURCE,
        _NEED,
        _ALT_PHONE,
    ]
    items = [
        _item(
            "medical_report",
            "document",
            "تقرير طبي حديث (لا يتجاوز ستة أشهر) من جهة العلاج",
            "A recent medical report (under six months old) from the treating facility",
            file_types=_ANY_FILE,
        ),
        _item(
            "patient_identity",
            "document",
            "صورة هوية المريض",
            "A copy of the patient's ID",
            file_types=_ANY_FILE,
            when=_when("applicant_is_patient", False),
        ),
        _item(
            "prescription",
            "document",
            "الوصفة الطبية",
            "The prescription",
            file_types=_ANY_FILE,
            when=_when("medical_need", "medication"),
        ),
        _item(
            "price_quote",
            "document",
            "عرض سعر من مورّد أو مستشفى معتمد",
            "A price quote from an approved supplier or hospital",
            file_types=_PDF,
            when=_when("medical_need", "medical_device", "treatment_cost"),
        ),
        _item(
            "insurance_refusal",
            "document",
            "خطاب اعتذار شركة التأمين عن تغطية العلاج",
            "The insurer's letter declining to cover the treatment",
            file_types=_ANY_FILE,
            when=_when("has_insurance", True),
        ),
    ]
    return fields, items


def _education() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    is_student = _field(
        "applicant_is_student",
        "yes_no",
        "هل مقدم الطلب هو الطالب؟",
        "Is the applicant the student?",
        required=True,
    )
    student = _field(
        "student_name",
        "text",
        "اسم الطالب",
        "The student's name",
        required=True,
        when=_when("applicant_is_student", False),
    )
    level = _field(
        "education_level",
        "choice",
        "المرحلة الدراسية",
        "Level of study",
        required=True,
        options=[
            ("primary", "ابتدائي", "Primary"),
            ("intermediate", "متوسط", "Intermediate"),
            ("secondary", "ثانوي", "Secondary"),
            ("diploma", "دبلوم", "Diploma"),
            ("bachelor", "بكالوريوس", "Bachelor's"),
            ("postgraduate", "دراسات عليا", "Postgraduate"),
        ],
    )
    institution = _field("institution", "text", "المدرسة أو الجامعة", "School or university", required=True)
    support = _field(
        "support_type",
        "choice",
        "نوع الدعم المطلوب",
        "Kind of support requested",
        required=True,
        options=[
            ("tuition", "رسوم دراسية", "Tuition fees"),
            ("supplies", "حقيبة وأدوات مدرسية", "School bag and supplies"),
            ("laptop", "جهاز حاسب", "A laptop"),
            ("transport", "نقل", "Transport"),
            ("tutoring", "دروس تقوية", "Tutoring"),
        ],
    )
    gpa = _field("last_gpa", "number", "المعدل في آخر فصل", "Grade average last term")
    fields = [
        is_student,
        student,
        level,
        institution,
        support,
        gpa,
        _INCOME,
        _INCOME_SOURCE,
        _HOUSING,
        _RENT,
        _NEED,
        _ALT_PHONE,
    ]
    items = [
        _item(
            "enrolment_proof",
            "document",
            "تعريف بالطالب من جهة الدراسة للفصل الحالي",
            "Proof of enrolment for the current term",
            file_types=_ANY_FILE,
        ),
        _item(
            "academic_record",
            "document",
            "آخر سجل أكاديمي أو شهادة دراسية",
            "The latest academic record or school report",
            file_types=_ANY_FILE,
        ),
        _item(
            "tuition_invoice",
            "document",
            "فاتورة الرسوم الدراسية",
            "The tuition invoice",
            file_types=_PDF,
            when=_when("support_type", "tuition"),
        ),
    ]
    return fields, items


_BUILDERS = {
    "social_services": _social_services,
    "orphan_care": _orphan_care,
    "social_development": _social_development,
    "health_care": _health_care,
    "education": _education,
}


def sector_template(sector: str, *, steps: tuple[str, ...], staff_tools: tuple[str, ...]) -> dict[str, Any]:
    """``{"intake_form": ..., "checklists": ...}`` for a policy of ``sector`` with these procedure
    steps and staff tools; raises ``KeyError`` for a sector not in :data:`SECTORS`."""
    fields, items = _BUILDERS[sector]()
    verify = [*_VERIFY_COMMON, *items]
    if "support_request_form" in staff_tools:
        verify.append(_SUPPORT_FORM)
    # A field a form no longer has cannot be tested: drop the items whose condition is gone.
    codes = {f["code"] for f in fields}
    verify = [i for i in verify if "when" not in i or i["when"]["field"] in codes]
    checklists: dict[str, Any] = {}
    if "receive" in steps:
        checklists["receive"] = [dict(i) for i in _RECEIVE]
    if "verify" in steps:
        checklists["verify"] = [dict(i) for i in verify]
    elif "receive" in steps:
        checklists["receive"] += [dict(i) for i in verify]
    return {"intake_form": {"fields": [dict(f) for f in fields]}, "checklists": checklists}
