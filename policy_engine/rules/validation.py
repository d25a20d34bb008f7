"""Check a whole policy version before it goes to the board.

:func:`validate` reads the raw JSON-like data (not a :class:`PolicyDocument`), so it can report
every problem at once, each at the path of the field an editor should highlight
(``procedure[2].target``, ``channels[3]``), with a machine code and a message in both languages.

Longer than ~500 lines on purpose: one pass over the document, section by section in the printed
policy's order, with the bilingual messages written beside the check they belong to; the intake
form and checklists, a separate job, are checked in ``intake_checks``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policy_engine.rules.catalog import (
    CatalogKind,
    get_entry,
    is_custom_code,
    is_standard,
    looks_custom,
)
from policy_engine.rules.document import (
    CONTACT_KINDS,
    FIELD_ORDER,
    HEADING_KEYS,
    REQUIRED_FIELDS,
    STEP_PARAM_NAMES,
    STEP_PARAMS,
    STEP_TEXT_KEYS,
    ParamSpec,
)
from policy_engine.rules.durations import is_valid_duration, parse_duration
from policy_engine.rules.errors import FieldError
from policy_engine.rules.iban import validate_iban
from policy_engine.rules.intake_checks import intake_problems
from policy_engine.rules.wording import unknown_placeholders

# code -> (Arabic template, English template)
MESSAGES: Mapping[str, tuple[str, str]] = {
    "required": ("هذا الحقل مطلوب.", "This field is required."),
    "invalid_type": (
        "نوع القيمة غير صحيح (المتوقع: {expected}).",
        "Wrong type of value (expected: {expected}).",
    ),
    "blank": ("لا يجوز أن يكون هذا الحقل فارغًا.", "This field must not be blank."),
    "unknown_field": ("حقل غير معروف.", "Unknown field."),
    "empty_list": ("يجب إدخال عنصر واحد على الأقل.", "At least one entry is required."),
    "missing_translation": (
        "يلزم النص باللغتين العربية والإنجليزية إذا كُتب بإحداهما.",
        "Both the Arabic and the English text are needed once either is given.",
    ),
    "unknown_beneficiary_term": (
        "تسمية المستفيد غير معروفة: {code}",
        "Unknown term for the beneficiary: {code}",
    ),
    "unknown_channel": ("قناة تواصل غير معروفة: {code}", "Unknown contact channel: {code}"),
    "unknown_staff_tool": ("أداة غير معروفة: {code}", "Unknown staff tool: {code}"),
    "unknown_step": ("خطوة إجراء غير معروفة: {code}", "Unknown procedure step: {code}"),
    "unknown_party": ("جهة غير معروفة: {code}", "Unknown party: {code}"),
    "invalid_custom_code": (
        "الرمز المخصص يجب أن يكون بالصيغة custom:<slug> بحروف لاتينية صغيرة وأرقام: {code}",
        "A custom code must look like custom:<slug> (lowercase letters, digits, _ or -): {code}",
    ),
    "custom_label_required": (
        "العنصر المخصص يحتاج إلى تسمية بالعربية وبالإنجليزية.",
        "A custom entry needs both an Arabic and an English label.",
    ),
    "duplicate_channel": ("القناة مذكورة أكثر من مرة: {label}", "Channel listed more than once: {label}"),
    "duplicate_staff_tool": (
        "الأداة مذكورة أكثر من مرة: {label}",
        "Staff tool listed more than once: {label}",
    ),
    "duplicate_step": ("الخطوة مذكورة أكثر من مرة: {label}", "Procedure step listed more than once: {label}"),
    "must_start_with_receive": (
        "يجب أن يبدأ الإجراء باستقبال المستفيد.",
        "The procedure must start with receiving the beneficiary.",
    ),
    "missing_committee_review": (
        "يجب أن يتضمن الإجراء دراسة الطلب والرد عليه بالقبول أو الرفض.",
        "The procedure must include studying the request and answering accept or reject.",
    ),
    "param_not_allowed": ("هذه الخطوة لا تقبل الحقل {param}.", "This step does not take the field {param}."),
    "invalid_duration": (
        "المدة غير صحيحة: «{value}». اكتبها بصيغة ISO 8601 مثل P1W (أسبوع) أو P2W (أسبوعان) أو P1M (شهر).",
        "Invalid duration: '{value}'. Use ISO 8601, e.g. P1W (one week), P2W (two weeks), P1M (one month).",
    ),
    "unknown_contact_kind": ("نوع وسيلة التواصل غير معروف: {code}", "Unknown contact kind: {code}"),
    "invalid_email": ("البريد الإلكتروني غير صحيح: {value}", "Invalid email address: {value}"),
    "invalid_phone": ("رقم الهاتف غير صحيح: {value}", "Invalid phone number: {value}"),
    "invalid_url": (
        "الرابط غير صحيح (يبدأ بـ https://): {value}",
        "Invalid link (must start with https://): {value}",
    ),
    "duplicate_contact": (
        "وسيلة التواصل مذكورة أكثر من مرة: {value}",
        "Contact listed more than once: {value}",
    ),
    "invalid_fund_code": (
        "رمز الصندوق يجب أن يكون بحروف لاتينية صغيرة وأرقام و _: {code}",
        "A fund code must use lowercase letters, digits and _: {code}",
    ),
    "duplicate_fund": ("الصندوق مذكور أكثر من مرة: {code}", "Fund listed more than once: {code}"),
    "invalid_iban": (
        "رقم الآيبان غير صحيح: يجب أن يكون SA متبوعًا بـ 22 رقمًا وأن يجتاز رقم التحقق.",
        "Invalid IBAN: it must be SA followed by 22 digits and pass the check digits.",
    ),
    "iban_not_normalized": (
        "اكتب رقم الآيبان دون مسافات وبحروف كبيرة: {normalized}",
        "Write the IBAN without spaces, in upper case: {normalized}",
    ),
    "window_too_short": (
        "مدة الرد يوم واحد على الأقل.",
        "The answer's window must be at least one day.",
    ),
    "window_too_long": (
        "مدة الرد لا تزيد على سنة.",
        "The answer's window cannot be longer than a year.",
    ),
    "step_before_decision": (
        "خطوة «{label}» يجب أن تسبق دراسة الطلب والبت فيه.",
        "The step '{label}' must come before the request is studied and decided.",
    ),
    "step_after_decision": (
        "خطوة «{label}» تأتي بعد دراسة الطلب والبت فيه.",
        "The step '{label}' comes after the request is studied and decided.",
    ),
    "unknown_placeholder": (
        "النص يحتوي على عبارة بين أقواس غير معروفة: {value}. المتاح: {{term}} {{term_for}} {{target}} "
        "{{to_target}} {{body}} {{to_body}} {{window}}.",
        "The text holds an unknown name in braces: {value}. Available: {{term}} {{term_for}} {{target}} "
        "{{to_target}} {{body}} {{to_body}} {{window}}.",
    ),
    "account_number_required": (
        "يلزم رقم الآيبان أو رقم الحساب كما هو مطبوع.",
        "An IBAN or the account number as printed is required.",
    ),
}

_TYPE_NAMES_AR = {"text": "نص", "list": "قائمة", "object": "كائن", "boolean": "نعم/لا"}

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", re.ASCII)
_PHONE_CHARS = re.compile(r"\+?[0-9 ()-]+", re.ASCII)
_URL = re.compile(r"https?://[^\s/]+\.[^\s/]+(?:/\S*)?", re.ASCII)
_FUND_CODE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*", re.ASCII)
_PHONE_DIGITS = range(7, 16)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(
        self, path: str, error_code: str, /, *, label: tuple[str, str] | None = None, **params: str
    ) -> None:
        """Record an error; ``params`` fill the message templates, ``label`` an (Arabic, English) pair."""
        template_ar, template_en = MESSAGES[error_code]
        params_ar = dict(params)
        if "expected" in params:
            params_ar["expected"] = _TYPE_NAMES_AR.get(params["expected"], params["expected"])
        if label is not None:
            params_ar["label"], params["label"] = label
        self.errors.append(
            FieldError(
                path=path,
                code=error_code,
                message_ar=template_ar.format(**params_ar),
                message_en=template_en.format(**params),
            )
        )


def _at(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)


def _check_text(c: _Collector, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> bool:
    """Report a missing, mistyped or blank text; True when a usable text is present."""
    value = data.get(key)
    where = _at(path, key)
    if value is None:
        if required:
            c.add(where, "required")
        return False
    if not isinstance(value, str):
        c.add(where, "invalid_type", expected="text")
        return False
    if not value.strip():
        c.add(where, "blank")
        return False
    return True


def _check_pair(c: _Collector, data: Mapping[str, Any], stem: str, path: str) -> None:
    """An optional bilingual pair (``stem_ar``/``stem_en``): both or neither."""
    has_ar = (
        _check_text(c, data, f"{stem}_ar", path, required=False)
        if data.get(f"{stem}_ar") is not None
        else None
    )
    has_en = (
        _check_text(c, data, f"{stem}_en", path, required=False)
        if data.get(f"{stem}_en") is not None
        else None
    )
    if has_ar and has_en is None:
        c.add(_at(path, f"{stem}_en"), "missing_translation")
    if has_en and has_ar is None:
        c.add(_at(path, f"{stem}_ar"), "missing_translation")


def _check_keys(c: _Collector, data: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in data:
        if key not in allowed:
            c.add(_at(path, str(key)), "unknown_field")


def _list(c: _Collector, data: Mapping[str, Any], key: str) -> list[Any] | None:
    if key not in data:
        if key in REQUIRED_FIELDS:
            c.add(key, "required")
        return None
    value = data[key]
    if not isinstance(value, list | tuple):
        c.add(key, "invalid_type", expected="list")
        return None
    return list(value)


# --- Sections ---------------------------------------------------------------------------------------


def _check_beneficiary_term(c: _Collector, data: Mapping[str, Any]) -> None:
    if _check_text(c, data, "beneficiary_term", "", required=True):
        code = data["beneficiary_term"]
        if not is_standard(CatalogKind.BENEFICIARY_TERM, code):
            c.add("beneficiary_term", "unknown_beneficiary_term", code=code)


def _check_texts(c: _Collector, data: Mapping[str, Any]) -> None:
    for key in ("preamble_ar", "preamble_en", "general_goal_ar", "general_goal_en"):
        _check_text(c, data, key, "", required=True)
    _check_pair(c, data, "responsibilities", "")
    goals = _list(c, data, "detailed_goals")
    for index, goal in enumerate(goals or []):
        path = _at("detailed_goals", index)
        if not isinstance(goal, Mapping):
            c.add(path, "invalid_type", expected="object")
            continue
        _check_keys(c, goal, ("ar", "en"), path)
        _check_text(c, goal, "ar", path, required=True)
        _check_text(c, goal, "en", path, required=True)


_ENTRY_RULES: Mapping[CatalogKind, tuple[str, str, tuple[str, ...]]] = {
    # kind -> (unknown code, duplicate code, keys an object entry may have)
    CatalogKind.CHANNEL: (
        "unknown_channel",
        "duplicate_channel",
        ("code", "label_ar", "label_en", "note_ar", "note_en"),
    ),
    CatalogKind.STAFF_TOOL: (
        "unknown_staff_tool",
        "duplicate_staff_tool",
        ("code", "label_ar", "label_en", "document", "note_ar", "note_en"),
    ),
}


def _label_for(kind: CatalogKind, code: str) -> tuple[str, str]:
    entry = get_entry(kind, code)
    return (entry.label_ar, entry.label_en) if entry is not None else (code, code)


def _check_entries(c: _Collector, data: Mapping[str, Any], key: str, kind: CatalogKind) -> None:
    unknown_code, duplicate_code, allowed = _ENTRY_RULES[kind]
    items = _list(c, data, key)
    if items is None:
        return
    if key in REQUIRED_FIELDS and not items:
        c.add(key, "empty_list")
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = _at(key, index)
        fields: Mapping[str, Any]
        if isinstance(item, str):
            code, fields = item, {}
        elif isinstance(item, Mapping):
            fields = item
            _check_keys(c, fields, allowed, path)
            if not _check_text(c, fields, "code", path, required=True):
                continue
            code = fields["code"]
        else:
            c.add(path, "invalid_type", expected="object")
            continue

        if looks_custom(code):
            if not is_custom_code(code):
                c.add(path, "invalid_custom_code", code=code)
            for label_key in ("label_ar", "label_en"):
                label = fields.get(label_key)
                if label is not None and not isinstance(label, str):
                    c.add(_at(path, label_key), "invalid_type", expected="text")
                elif label is None or not label.strip():
                    c.add(_at(path, label_key), "custom_label_required")
        elif not is_standard(kind, code):
            c.add(path, unknown_code, code=code)
        else:
            _check_pair(c, fields, "label", path)

        if kind is CatalogKind.STAFF_TOOL and fields.get("document") is not None:
            _check_text(c, fields, "document", path, required=True)
        _check_pair(c, fields, "note", path)

        if code in seen:
            # A custom entry is named by its own labels (never by its code).
            own = (
                str(fields.get("label_ar") or code),
                str(fields.get("label_en") or fields.get("label_ar") or code),
            )
            c.add(
                path, duplicate_code, label=own if get_entry(kind, code) is None else _label_for(kind, code)
            )
        seen.add(code)


def _check_param(c: _Collector, value: object, spec: ParamSpec, path: str) -> None:
    if spec.type == "party":
        if not isinstance(value, str):
            c.add(path, "invalid_type", expected="text")
        elif not value.strip():
            c.add(path, "required")
        elif not is_standard(CatalogKind.PARTY, value):
            c.add(path, "unknown_party", code=value)
    elif spec.type == "duration":
        _check_window(c, value, path)
    elif not isinstance(value, bool):
        c.add(path, "invalid_type", expected="boolean")


def _check_procedure(c: _Collector, data: Mapping[str, Any]) -> None:
    items = _list(c, data, "procedure")
    if items is None:
        return
    if not items:
        c.add("procedure", "empty_list")
        return
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = _at("procedure", index)
        if not isinstance(item, Mapping):
            c.add(path, "invalid_type", expected="object")
            continue
        _check_keys(c, item, ("step", *STEP_PARAM_NAMES, *STEP_TEXT_KEYS), path)
        for key in STEP_TEXT_KEYS:
            if item.get(key) is not None and _check_text(c, item, key, path, required=False):
                unknown = unknown_placeholders(item[key])
                if unknown:
                    c.add(_at(path, key), "unknown_placeholder", value="{" + unknown[0] + "}")
        if not _check_text(c, item, "step", path, required=True):
            continue
        code = item["step"]
        step_path = _at(path, "step")
        if not is_standard(CatalogKind.STEP, code):
            c.add(step_path, "unknown_step", code=code)
            continue
        if index == 0 and code != "receive":
            c.add(step_path, "must_start_with_receive")
        if code in seen:
            c.add(step_path, "duplicate_step", label=_label_for(CatalogKind.STEP, code))
        seen.add(code)

        specs = STEP_PARAMS.get(code, {})
        for name in STEP_PARAM_NAMES:
            if name in item and name not in specs:
                c.add(_at(path, name), "param_not_allowed", param=name)
        for name, spec in specs.items():
            value = item.get(name)
            if value is None:
                if spec.required:
                    c.add(_at(path, name), "required")
                continue
            _check_param(c, value, spec, _at(path, name))

    if "committee_review" not in seen:
        c.add("procedure", "missing_committee_review")
    else:
        _check_step_order(c, items)


# Steps that prepare the decision come before it; registering and serving follow it.
_BEFORE_DECISION = frozenset({"verify", "refer", "attest"})
_AFTER_DECISION = frozenset({"register", "serve"})
_MAX_WINDOW_DAYS = 366


def _check_step_order(c: _Collector, items: list[Any]) -> None:
    codes = [item.get("step") if isinstance(item, Mapping) else None for item in items]
    decision = codes.index("committee_review")
    for index, code in enumerate(codes):
        if not isinstance(code, str):
            continue
        if code in _BEFORE_DECISION and index > decision:
            c.add(
                _at(_at("procedure", index), "step"),
                "step_before_decision",
                label=_label_for(CatalogKind.STEP, code),
            )
        if code in _AFTER_DECISION and index < decision:
            c.add(
                _at(_at("procedure", index), "step"),
                "step_after_decision",
                label=_label_for(CatalogKind.STEP, code),
            )


def _check_window(c: _Collector, value: object, path: str) -> None:
    """A window the engine can count: a real duration, from one day to a year."""
    if isinstance(value, str) and re.fullmatch(r"P(0+[YMWD])+", value):
        c.add(path, "window_too_short")
        return
    if not is_valid_duration(value):
        c.add(path, "invalid_duration", value=str(value))
        return
    duration = parse_duration(str(value))
    days = duration.years * 365 + duration.months * 30 + duration.weeks * 7 + duration.days
    if days > _MAX_WINDOW_DAYS:
        c.add(path, "window_too_long")


def _check_flag(c: _Collector, data: Mapping[str, Any]) -> None:
    for key in ("staff_acknowledgment_required", "decision_reason_shared"):
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            c.add(key, "invalid_type", expected="boolean")


def _contact_value_ok(kind: str, value: str) -> str | None:
    """The error code for a contact value of this kind, or None."""
    if kind == "email":
        return None if _EMAIL.fullmatch(value.strip()) else "invalid_email"
    if kind == "phone":
        digits = sum(char.isdigit() for char in value)
        ok = _PHONE_CHARS.fullmatch(value.strip()) is not None and digits in _PHONE_DIGITS
        return None if ok else "invalid_phone"
    if kind == "website":
        return None if _URL.fullmatch(value.strip()) else "invalid_url"
    return None


def _check_contacts(c: _Collector, data: Mapping[str, Any]) -> None:
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(_list(c, data, "contacts") or []):
        path = _at("contacts", index)
        if not isinstance(item, Mapping):
            c.add(path, "invalid_type", expected="object")
            continue
        _check_keys(c, item, ("kind", "value", "label_ar", "label_en"), path)
        _check_pair(c, item, "label", path)
        kind_ok = _check_text(c, item, "kind", path, required=True)
        if kind_ok and item["kind"] not in CONTACT_KINDS:
            c.add(_at(path, "kind"), "unknown_contact_kind", code=item["kind"])
            kind_ok = False
        if not _check_text(c, item, "value", path, required=True) or not kind_ok:
            continue
        kind, value = item["kind"], item["value"]
        problem = _contact_value_ok(kind, value)
        if problem is not None:
            c.add(_at(path, "value"), problem, value=value)
        key = (kind, value.strip().casefold())
        if key in seen:
            c.add(path, "duplicate_contact", value=value)
        seen.add(key)


def _check_bank_accounts(c: _Collector, data: Mapping[str, Any]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(_list(c, data, "bank_accounts") or []):
        path = _at("bank_accounts", index)
        if not isinstance(item, Mapping):
            c.add(path, "invalid_type", expected="object")
            continue
        _check_keys(c, item, ("fund_code", "label_ar", "label_en", "iban", "account_number_as_printed"), path)
        if _check_text(c, item, "fund_code", path, required=True):
            fund = item["fund_code"]
            if _FUND_CODE.fullmatch(fund) is None:
                c.add(_at(path, "fund_code"), "invalid_fund_code", code=fund)
            if fund in seen:
                c.add(_at(path, "fund_code"), "duplicate_fund", code=fund)
            seen.add(fund)
        _check_text(c, item, "label_ar", path, required=True)
        _check_text(c, item, "label_en", path, required=True)

        iban = item.get("iban")
        if iban is not None:
            if not isinstance(iban, str):
                c.add(_at(path, "iban"), "invalid_type", expected="text")
            else:
                normalized = validate_iban(iban)
                if normalized is None:
                    c.add(_at(path, "iban"), "invalid_iban")
                elif normalized != iban:
                    c.add(_at(path, "iban"), "iban_not_normalized", normalized=normalized)
        printed = item.get("account_number_as_printed")
        if printed is not None:
            _check_text(c, item, "account_number_as_printed", path, required=True)
        if iban is None and printed is None:
            c.add(path, "account_number_required")


def validate(data: Mapping[str, Any]) -> list[FieldError]:
    """Every problem that keeps this policy version from going to the board; empty when it is fine."""
    c = _Collector()
    if not isinstance(data, Mapping):
        c.add("", "invalid_type", expected="object")
        return c.errors
    _check_keys(c, data, FIELD_ORDER, "")
    _check_beneficiary_term(c, data)
    _check_texts(c, data)
    _check_entries(c, data, "channels", CatalogKind.CHANNEL)
    _check_entries(c, data, "staff_tools", CatalogKind.STAFF_TOOL)
    _check_procedure(c, data)
    _check_flag(c, data)
    _check_contacts(c, data)
    _check_bank_accounts(c, data)
    _check_own_wording(c, data)
    c.errors.extend(intake_problems(data))
    return c.errors


def _check_own_wording(c: _Collector, data: Mapping[str, Any]) -> None:
    """The optional title, headings, approval note and seal field."""
    for key in ("title_ar", "title_en", "approval_note_ar", "approval_note_en"):
        if data.get(key) is not None:
            _check_text(c, data, key, "", required=False)
    if data.get("approval_seal") is not None and not isinstance(data["approval_seal"], bool):
        c.add("approval_seal", "invalid_type", expected="boolean")
    headings = data.get("headings")
    if headings is None:
        return
    if not isinstance(headings, Mapping):
        c.add("headings", "invalid_type", expected="object")
        return
    _check_keys(c, headings, HEADING_KEYS, "headings")
    for key, item in headings.items():
        path = _at("headings", str(key))
        if not isinstance(item, Mapping):
            c.add(path, "invalid_type", expected="object")
            continue
        _check_keys(c, item, ("ar", "en"), path)
        for lang in ("ar", "en"):
            if item.get(lang) is not None:
                _check_text(c, item, lang, path, required=False)
