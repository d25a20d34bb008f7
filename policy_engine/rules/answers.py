"""An applicant's answers checked against the intake form of the pinned policy version.

:func:`check_answers` returns the clean answers (typed, normalised) and every problem at once,
each at the path of the form field (``household[1].birth_date``) with a message in both
languages, so that a screen or an API client can show it beside the field.

Answer types, as sent by a form or a JSON client:

- ``text``: a string; ``number``: a number or a string of digits (Arabic-Indic digits accepted);
- ``date``: ``YYYY-MM-DD`` in the field's calendar, or ``{"calendar": "hijri", "date": "1446-09-10"}``
  when the field accepts either; stored as ``{"gregorian": ..., "hijri": ...}``;
- ``choice``: an option's code; ``yes_no``: true/false (or "yes"/"no");
- ``phone``: a Saudi mobile number (stored E.164); ``national_id``: a national ID or iqama number;
- ``file``: what the upload is: ``{"name", "type" (pdf/png/jpeg, by content), "size"}``;
- ``group``: a list of rows, each an object of the group's fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from hijridate import Gregorian, Hijri

from policy_engine.rules.errors import FieldError
from policy_engine.rules.identity import InvalidValue, ascii_digits, national_id_normalize, phone_normalize
from policy_engine.rules.intake import FormField, IntakeForm

MAX_TEXT = 2000
DEFAULT_MAX_ROWS = 20

_FILE_NAMES = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG"}


def _error(path: str, code: str, message_ar: str, message_en: str) -> FieldError:
    return FieldError(path, code, message_ar, message_en)


def _required(path: str) -> FieldError:
    return _error(path, "required", "هذا الحقل مطلوب.", "This field is required.")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _date_parts(value: str) -> tuple[int, int, int] | None:
    parts = ascii_digits(value.strip()).replace("/", "-").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    year, month, day = (int(p) for p in parts)
    return year, month, day


def _date(field: FormField, value: object, path: str) -> tuple[Any, FieldError | None]:
    calendar = field.calendar
    if isinstance(value, Mapping):
        calendar = value.get("calendar") if field.calendar is None else field.calendar
        value = value.get("date")
    calendar = calendar or "gregorian"
    if calendar not in ("gregorian", "hijri") or not isinstance(value, str):
        return None, _error(path, "invalid_date", "تاريخ غير صحيح.", "Not a valid date.")
    parts = _date_parts(value)
    if parts is None:
        return None, _error(
            path, "invalid_date", "اكتب التاريخ بالصيغة سنة-شهر-يوم.", "Write the date as year-month-day."
        )
    try:
        if calendar == "hijri":
            hijri = Hijri(*parts, validate=True)
            gregorian = dt.date.fromisoformat(hijri.to_gregorian().isoformat())
        else:
            gregorian = dt.date(*parts)
            hijri = Gregorian(gregorian.year, gregorian.month, gregorian.day).to_hijri()
    except (ValueError, OverflowError):
        if calendar == "hijri":
            return None, _error(
                path,
                "invalid_hijri_date",
                "هذا التاريخ غير موجود في التقويم الهجري (أم القرى).",
                "This date does not exist in the Hijri (Umm al-Qura) calendar.",
            )
        return None, _error(path, "invalid_date", "هذا التاريخ غير موجود.", "This date does not exist.")
    return {"gregorian": gregorian.isoformat(), "hijri": hijri.isoformat()}, None


def _number(value: object, path: str) -> tuple[Any, FieldError | None]:
    bad = _error(path, "invalid_number", "اكتب رقمًا.", "Enter a number.")
    if isinstance(value, bool):
        return None, bad
    if isinstance(value, int | float):
        return value, None
    if not isinstance(value, str):
        return None, bad
    text = ascii_digits(value.strip()).replace(",", "").replace("٫", ".")
    try:
        number = float(text)
    except ValueError:
        return None, bad
    if number != number or number in (float("inf"), float("-inf")):
        return None, bad
    return (int(number) if number.is_integer() else number), None


def _yes_no(value: object, path: str) -> tuple[Any, FieldError | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str) and value.strip().lower() in ("yes", "no", "true", "false", "نعم", "لا"):
        return value.strip().lower() in ("yes", "true", "نعم"), None
    return None, _error(path, "invalid_choice", "اختر نعم أو لا.", "Choose yes or no.")


def _file(field: FormField, value: object, path: str) -> tuple[Any, FieldError | None]:
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        return None, _error(path, "invalid_file", "أرفق الملف.", "Attach the file.")
    accepted = field.accepted_types()
    if value["type"] not in accepted:
        names = " / ".join(_FILE_NAMES.get(t, t) for t in accepted)
        return None, _error(
            path,
            "unsupported_type",
            f"نوع الملف غير مقبول؛ المقبول: {names}.",
            f"File type not accepted: {names}.",
        )
    size = value.get("size")
    if not isinstance(size, int) or size > field.max_bytes():
        limit = field.max_bytes() // (1024 * 1024)
        return None, _error(
            path, "too_large", f"الملف أكبر من {limit} ميغابايت.", f"The file is larger than {limit} MB."
        )
    return {k: value[k] for k in ("name", "type", "size", "document") if k in value}, None


def _value(field: FormField, value: object, path: str) -> tuple[Any, FieldError | None]:
    kind = field.type
    if kind == "text":
        if not isinstance(value, str):
            return None, _error(path, "invalid_type", "اكتب نصًا.", "Enter text.")
        if len(value) > MAX_TEXT:
            return None, _error(path, "too_long", "النص طويل جدًا.", "The text is too long.")
        return " ".join(value.split()) if "\n" not in value else value.strip(), None
    if kind == "number":
        return _number(value, path)
    if kind == "date":
        return _date(field, value, path)
    if kind == "choice":
        if field.option(value) is None:
            return None, _error(path, "invalid_choice", "اختر أحد الخيارات.", "Choose one of the options.")
        return value, None
    if kind == "yes_no":
        return _yes_no(value, path)
    if kind in ("phone", "national_id"):
        if not isinstance(value, str):
            return None, _error(path, "invalid_type", "اكتب الرقم.", "Enter the number.")
        try:
            return (phone_normalize(value) if kind == "phone" else national_id_normalize(value)), None
        except InvalidValue as exc:
            return None, _error(path, exc.code, exc.message_ar, exc.message_en)
    if kind == "file":
        return _file(field, value, path)
    return None, _error(path, "invalid_type", "نوع حقل غير معروف.", "Unknown field type.")


def _group(field: FormField, value: object, path: str) -> tuple[Any, list[FieldError]]:
    if not isinstance(value, list) or not all(isinstance(row, Mapping) for row in value):
        return None, [_error(path, "invalid_type", "قائمة صفوف غير صحيحة.", "Not a list of rows.")]
    limit = field.max_rows or DEFAULT_MAX_ROWS
    if len(value) > limit:
        return None, [_error(path, "too_many_rows", f"الحد {limit} صفًا.", f"At most {limit} rows.")]
    rows, problems = [], []
    for index, row in enumerate(value):
        clean, row_problems = _fields(field.fields, row, f"{path}[{index}]", top=False)
        rows.append(clean)
        problems += row_problems
    return rows, problems


def _fields(
    fields: tuple[FormField, ...], answers: Mapping[str, Any], prefix: str, *, top: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    clean: dict[str, Any] = {}
    problems: list[FieldError] = []
    known = {f.code for f in fields}
    for key in answers:
        if key not in known:
            where = f"{prefix}.{key}" if prefix else str(key)
            problems.append(_error(where, "unknown_field", "حقل غير معروف.", "Unknown field."))
    # Conditions test the answers to choice and yes/no fields (a yes/no as sent: "yes" or true).
    probe = {
        f.code: _yes_no(answers.get(f.code), "")[0] if f.type == "yes_no" else answers.get(f.code)
        for f in fields
        if f.type in ("choice", "yes_no")
    }
    for field in fields:
        path = f"{prefix}.{field.code}" if prefix else field.code
        if top and not field.applies(probe):
            continue
        value = answers.get(field.code)
        if _blank(value):
            if field.required:
                problems.append(_required(path))
            continue
        if field.type == "group":
            rows, group_problems = _group(field, value, path)
            problems += group_problems
            if rows is not None:
                clean[field.code] = rows
            continue
        result, problem = _value(field, value, path)
        if problem is not None:
            problems.append(problem)
        else:
            clean[field.code] = result
    return clean, problems


def check_answers(form: IntakeForm, answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """The clean answers and every problem; a field whose condition does not hold is left out."""
    if not isinstance(answers, Mapping):
        return {}, [_error("intake", "invalid_type", "الإجابات غير صحيحة.", "The answers are not an object.")]
    return _fields(form.fields, answers, "", top=True)


def condition_answers(form: IntakeForm, clean: Mapping[str, Any]) -> dict[str, Any]:
    """The clean answers in the form conditions test (choice codes and booleans)."""
    return {f.code: clean[f.code] for f in form.fields if f.type in ("choice", "yes_no") and f.code in clean}
