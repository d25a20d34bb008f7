"""The association's intake form (part of the policy version in force) on the application page:
its fields as the template draws them, and a posted form read back into the answers
``policy_engine.rules.answers.check_answers`` checks.

A group (the household, the orphans) is drawn as a few rows of its fields; a row left blank is
dropped. A date field that takes either calendar has a calendar choice beside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from policy_engine.rules.intake import FormField, IntakeForm

GROUP_ROWS = 4


def _field_view(
    field: FormField, lang: str, name: str, posted: Mapping[str, Any], errors: Mapping[str, str]
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "code": field.code,
        "name": name,
        "type": field.type,
        "label": field.label(lang),
        "help": field.help(lang),
        "required": field.required,
        "options": [{"code": o.code, "label": o.label(lang)} for o in field.options],
        "either_calendar": field.type == "date" and field.calendar is None,
        "calendar": field.calendar or "",
        "value": posted.get(name, ""),
        "calendar_value": posted.get(f"{name}__calendar", "gregorian"),
        "error": errors.get(f"intake.{name.removeprefix('f_')}", ""),
        "long": field.type == "text" and ("description" in field.code or "diagnosis" in field.code),
    }
    return view


def form_view(
    form: IntakeForm, lang: str, posted: Mapping[str, Any], errors: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The intake form's fields for the template, with what was posted and each field's error."""
    out: list[dict[str, Any]] = []
    for field in form.fields:
        view = _field_view(field, lang, f"f_{field.code}", posted, errors)
        if field.type == "group":
            rows = min(field.max_rows or GROUP_ROWS, GROUP_ROWS)
            view["rows"] = [
                {
                    "number": index + 1,
                    "open": index == 0
                    or any(
                        posted.get(f"f_{field.code}-{index}-{sub.code}")
                        or errors.get(f"intake.{field.code}[{index}].{sub.code}")
                        for sub in field.fields
                    ),
                    "fields": [
                        {
                            **_field_view(sub, lang, f"f_{field.code}-{index}-{sub.code}", posted, {}),
                            "error": errors.get(f"intake.{field.code}[{index}].{sub.code}", ""),
                        }
                        for sub in field.fields
                    ],
                }
                for index in range(rows)
            ]
            view["error"] = errors.get(f"intake.{field.code}", "")
        out.append(view)
    return out


def _value(field: FormField, name: str, data: Mapping[str, Any]) -> Any:
    raw = data.get(name, "")
    if not isinstance(raw, str):
        return raw
    if field.type == "date" and raw.strip() and field.calendar is None:
        return {"calendar": data.get(f"{name}__calendar", "gregorian"), "date": raw}
    return raw


def answers_from_post(
    form: IntakeForm, data: Mapping[str, Any], files: Mapping[str, UploadedFile]
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """The raw answers of a posted application form, and the files its file fields carry (checked,
    type by content and size, when the request is opened)."""
    answers: dict[str, Any] = {}
    uploads: dict[str, UploadedFile] = {}
    for field in form.fields:
        name = f"f_{field.code}"
        if field.type == "group":
            rows: list[dict[str, Any]] = []
            for index in range(min(field.max_rows or GROUP_ROWS, GROUP_ROWS)):
                row = {sub.code: _value(sub, f"{name}-{index}-{sub.code}", data) for sub in field.fields}
                if any(value not in (None, "") for value in row.values()):
                    rows.append(row)
            answers[field.code] = rows
        elif field.type == "file":
            if name in files:
                uploads[field.code] = files[name]
        else:
            answers[field.code] = _value(field, name, data)
    return answers, uploads
