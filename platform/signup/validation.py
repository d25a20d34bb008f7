"""Checks on a sign-up's fields, each answered in Arabic and English at the field at fault."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone, translation

from core.errors import FieldProblem
from policy_engine.rules.sector_templates import SECTORS
from policy_engine.rules.seeds import load_seed
from signup.choices import (
    BLANK_TEMPLATE,
    FOUNDING_TEMPLATES,
    RESERVED_SLUGS,
    SLUG_RE,
    Region,
    Sector,
)
from signup.models import HOLDING, Signup, SignupStatus
from tenants.models import Association

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
TEMPLATES = (*FOUNDING_TEMPLATES, BLANK_TEMPLATE)


@dataclass(frozen=True)
class CleanSignup:
    name_ar: str
    name_en: str
    licence_number: str
    sector: str
    region: str
    admin_name: str
    admin_email: str
    password: str
    slug: str
    template: str


def _problem(field: str, code: str, ar: str, en: str) -> FieldProblem:
    return FieldProblem(field, code, ar, en)


def sector_templates() -> dict[str, str]:
    """The sector templates a sign-up may start from: sector -> the founding policy of that sector
    whose procedure the template's intake form and checklists are fitted to."""
    sectors = set(SECTORS)
    out: dict[str, str] = {}
    for slug in FOUNDING_TEMPLATES:
        sector = load_seed(slug)["association"]["sector"]
        if sector in sectors:
            out.setdefault(sector, slug)
    return out


def expire_stale_signups(*, slug: str, email: str) -> None:
    """Pending sign-ups whose link expired no longer hold their subdomain or email."""
    Signup.objects.filter(
        Q(slug=slug) | Q(admin_email__iexact=email),
        status=SignupStatus.PENDING_VERIFICATION,
        verification_expires_at__lt=timezone.now(),
    ).update(status=SignupStatus.EXPIRED)


def slug_problem(slug: str) -> FieldProblem | None:
    """Why this subdomain cannot be had, or None: the live check and the form share it."""
    if not SLUG_RE.match(slug):
        return _problem(
            "slug",
            "invalid",
            "استخدم من 3 إلى 32 حرفًا لاتينيًا صغيرًا أو رقمًا أو شرطة، يبدأ بحرف ولا ينتهي بشرطة.",
            "Use 3 to 32 lowercase Latin letters, digits or hyphens, starting with a letter and not "
            "ending with a hyphen.",
        )
    if slug in RESERVED_SLUGS or slug.startswith(("xn--", "sila-")):
        return _problem(
            "slug", "reserved", "هذا الاسم محجوز للمنصة؛ اختر غيره.", "This name is reserved; choose another."
        )
    taken = Association.objects.filter(slug=slug).exists() or (
        Signup.objects.filter(slug=slug, status__in=HOLDING)
        .exclude(status=SignupStatus.PENDING_VERIFICATION, verification_expires_at__lt=timezone.now())
        .exists()
    )
    if taken:
        return slug_taken_problem()
    return None


def slug_taken_problem() -> FieldProblem:
    return _problem(
        "slug",
        "taken",
        "هذا العنوان مستخدم لجمعية أخرى؛ اختر غيره.",
        "This address is taken; choose another.",
    )


def email_pending_problem() -> FieldProblem:
    return _problem(
        "admin_email",
        "pending",
        "بدأ تسجيل بهذا البريد وينتظر التأكيد؛ افتح الرابط المرسل إليه.",
        "A sign-up with this email is waiting for its verification link; open the link we sent.",
    )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _password_problems(password: str, email: str, name: str) -> list[FieldProblem]:
    class _Candidate:  # what the similarity validator compares the password with
        def __init__(self) -> None:
            self.email = email
            self.full_name = name

    messages: dict[str, list[str]] = {}
    for lang in ("ar", "en"):
        with translation.override(lang):
            try:
                validate_password(password, _Candidate())  # type: ignore[arg-type]
            except ValidationError as exc:
                messages[lang] = list(exc.messages)
    if not messages:
        return []
    return [_problem("password", "weak", " ".join(messages["ar"]), " ".join(messages["en"]))]


def signup_clean(data: Mapping[str, Any]) -> tuple[CleanSignup | None, list[FieldProblem]]:
    """The sign-up's values, normalised, or the problems found (every field is checked)."""
    problems: list[FieldProblem] = []
    required = _problem("{}", "required", "هذا الحقل مطلوب.", "This field is required.")

    def need(field: str) -> str:
        value = _text(data, field)
        if not value:
            problems.append(FieldProblem(field, required.code, required.message_ar, required.message_en))
        return value

    name_ar, name_en = need("name_ar"), need("name_en")
    for field, value in (("name_ar", name_ar), ("name_en", name_en)):
        if len(value) > 200:
            problems.append(
                _problem(field, "too_long", "الاسم أطول من 200 حرف.", "Names are at most 200 characters.")
            )
    licence = _text(data, "licence_number").translate(_ARABIC_DIGITS).replace(" ", "")
    if licence and not (licence.isascii() and licence.isdigit() and 1 <= len(licence) <= 10):
        problems.append(
            _problem(
                "licence_number",
                "invalid",
                "رقم الترخيص أرقام فقط (حتى 10 أرقام) كما في شهادة المركز الوطني لتنمية القطاع غير الربحي.",
                "The licence number is digits only (up to 10), as on the NCNP certificate.",
            )
        )
    sector = need("sector")
    if sector and sector not in Sector.values:
        problems.append(
            _problem("sector", "invalid", "اختر قطاعًا من القائمة.", "Choose a sector from the list.")
        )
    region = need("region")
    if region and region not in Region.values:
        problems.append(
            _problem("region", "invalid", "اختر منطقة من القائمة.", "Choose a region from the list.")
        )
    admin_name = need("admin_name")
    email = need("admin_email").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                _problem(
                    "admin_email", "invalid", "البريد الإلكتروني غير صحيح.", "Enter a valid email address."
                )
            )
    password = data.get("password") if isinstance(data.get("password"), str) else ""
    if not password:
        problems.append(FieldProblem("password", "required", required.message_ar, required.message_en))
    else:
        problems.extend(_password_problems(str(password), email, admin_name))
    slug = need("slug").lower()
    if slug:
        problem = slug_problem(slug)
        if problem is not None:
            problems.append(problem)
    template = _text(data, "template") or BLANK_TEMPLATE
    if template not in TEMPLATES and template not in sector_templates():
        problems.append(
            _problem(
                "template",
                "invalid",
                "اختر سياسة بداية من القائمة أو ابدأ فارغًا.",
                "Choose a starting policy from the list, or start blank.",
            )
        )
    accepted = data.get("accept_terms")
    if accepted not in (True, "true", "on", "1", 1):
        problems.append(
            _problem(
                "accept_terms", "required", "يلزم قبول شروط الاستخدام.", "You must accept the terms of use."
            )
        )
    if problems:
        return None, problems
    return (
        CleanSignup(
            name_ar, name_en, licence, sector, region, admin_name, email, str(password), slug, template
        ),
        [],
    )
