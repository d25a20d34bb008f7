"""The pinned intake form on a staff screen: what to draw for each field (with what was typed and
its errors), and the answers read back from the post.

Input names follow the API's error paths, so a service problem lands on its input as is:
``intake.monthly_income``, ``intake.orphans[1].birth_date`` (a group shows a few rows; blank
rows are left out), ``intake.father_death_date.calendar`` for a date typed in either calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.translation import gettext as _

from core.errors import FieldProblem
from policy_engine.rules.intake import FormField, IntakeForm

GROUP_ROWS = 3
PREFIX = "intake."
_FILE_TYPE_NAMES = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG"}
_ACCEPT = {"pdf": ".pdf,application/pdf", "png": ".png,image/png", "jpeg": ".jpg,.jpeg,image/jpeg"}


def _name(path: str) -> str:
    return PREFIX + path


def _row_count(field: FormField, posted: QueryDict | None) -> int:
    if posted is None:
        return GROUP_ROWS
    used = 0
    for key in posted:
        if key.startswith(_name(field.code) + "["):
            index = key[len(_name(field.code)) + 1 :].split("]", 1)[0]
            if index.isdigit():
                used = max(used, int(index) + 1)
    limit = field.max_rows or 20
    return min(max(used + 1, GROUP_ROWS), limit)


def _input(
    field: FormField, path: str, lang: str, posted: QueryDict | None, errors: Mapping[str, list[str]]
) -> dict[str, Any]:
    name = _name(path)
    value = posted.get(name, "") if posted is not None else ""
    view: dict[str, Any] = {
        "name": name,
        "id": "id_" + name.replace(".", "-").replace("[", "-").replace("]", ""),
        "type": field.type,
        "label": field.label(lang),
        "help": field.help(lang),
        "required": field.required,
        "value": value,
        "errors": errors.get(name, []),
    }
    if field.type == "choice":
        view["options"] = [(o.code, o.label(lang)) for o in field.options]
    if field.type == "yes_no":
        view["options"] = [("yes", _("Yes")), ("no", _("No"))]
    if field.type == "date":
        view["calendar"] = field.calendar or ""
        view["calendar_value"] = posted.get(name + ".calendar", "hijri") if posted is not None else "hijri"
        view["calendar_options"] = [("hijri", _("Hijri")), ("gregorian", _("Gregorian"))]
    if field.type == "file":
        types = field.accepted_types()
        view["accept"] = ",".join(
            {"pdf": ".pdf,application/pdf", "png": ".png", "jpeg": ".jpg,.jpeg"}[t] for t in types
        )
        view["types"] = " / ".join(_FILE_TYPE_NAMES[t] for t in types)
    return view


def condition_text(form: IntakeForm, field: FormField, lang: str) -> str:
    """When a conditional field is asked, in the reader's words («only if Housing is Rented»)."""
    if field.when is None:
        return ""
    target = form.field(field.when.field)
    if target is None:
        return ""
    answers: Iterable[Any] = field.when.one_of or (field.when.equals,)
    words = []
    for answer in answers:
        if isinstance(answer, bool):
            words.append(_("Yes") if answer else _("No"))
        else:
            option = target.option(answer)
            words.append(option.label(lang) if option is not None else str(answer))
    return _("Only if “%(question)s” is %(answers)s.") % {
        "question": target.label(lang),
        "answers": _(" or ").join(f"“{w}”" for w in words),
    }


def intake_view(
    form: IntakeForm, lang: str, posted: QueryDict | None, problems: Iterable[FieldProblem]
) -> list[dict[str, Any]]:
    """One entry per field of the form, a group with its rows of sub-fields."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message(lang))
    fields = []
    for field in form.fields:
        view = _input(field, field.code, lang, posted, errors)
        if field.type == "group":
            view["rows"] = [
                [_input(sub, f"{field.code}[{i}].{sub.code}", lang, posted, errors) for sub in field.fields]
                for i in range(_row_count(field, posted))
            ]
            view["columns"] = [sub.label(lang) for sub in field.fields]
        view["condition"] = condition_text(form, field, lang)
        fields.append(view)
    return fields


def _value(field: FormField, name: str, posted: QueryDict) -> Any:
    raw = posted.get(name, "").strip()
    if raw == "":
        return None
    if field.type == "date" and field.calendar is None:
        return {"calendar": posted.get(name + ".calendar", "hijri"), "date": raw}
    return raw


def intake_answers(
    form: IntakeForm, posted: QueryDict, files: Mapping[str, UploadedFile]
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """The answers as the engine reads them (blank inputs left out) and the uploads by field."""
    answers: dict[str, Any] = {}
    uploads: dict[str, UploadedFile] = {}
    for field in form.fields:
        name = _name(field.code)
        if field.type == "file":
            if name in files:
                uploads[field.code] = files[name]
            continue
        if field.type == "group":
            rows = []
            for index in range(_row_count(field, posted)):
                row = {
                    sub.code: value
                    for sub in field.fields
                    if (value := _value(sub, f"{name}[{index}].{sub.code}", posted)) is not None
                }
                rows.append(row)
            # Trailing blank rows are the spare ones; a blank row between two filled ones keeps its
            # place, so that an error about row i lands on the i-th row shown.
            while rows and not rows[-1]:
                rows.pop()
            if rows:
                answers[field.code] = rows
            continue
        value = _value(field, name, posted)
        if value is not None:
            answers[field.code] = value
    return answers, uploads
