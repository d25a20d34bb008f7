"""The intake form and the checklists as the draft editor shows them: each question with its Arabic
and English wording, its kind and what that kind asks (a choice's options, a date's calendar, a
file's kinds and size, a group's columns and rows), whether it is required, its help, and when it is
asked; each item a step checks, with the same. Every problem beside the part it concerns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policy_engine.editor.intake import NO, YES, options_text
from policy_engine.rules.intake import (
    CALENDAR_NAMES,
    FIELD_TYPE_NAMES,
    FIELD_TYPES,
    FILE_TYPES,
    ITEM_KIND_NAMES,
    ITEM_KINDS,
)

FILE_TYPE_NAMES: Mapping[str, str] = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG"}
YES_NO_NAMES: Mapping[str, tuple[str, str]] = {YES: ("نعم", "Yes"), NO: ("لا", "No")}


def row_key(field: Mapping[str, Any], index: int) -> str:
    """What a question is called among the posted rows: its code, or ``new-<n>`` before it has one."""
    return str(field.get("code") or f"new-{index}")


def _own(errors: Mapping[str, list[str]], mine: str) -> dict[str, list[str]]:
    return {
        (key[len(mine) + 1 :] if key != mine else "row"): messages
        for key, messages in errors.items()
        if key == mine or key.startswith(mine + "-")
    }


def _answer_choices(target: Mapping[str, Any] | None, lang: int) -> list[tuple[str, str]]:
    """The answers a condition on ``target`` may test, as (posted value, wording)."""
    if target is None:
        return []
    if target.get("type") == "yes_no":
        return [(YES, YES_NO_NAMES[YES][lang]), (NO, YES_NO_NAMES[NO][lang])]
    return [
        (str(o.get("label_ar", "")).strip(), str(o.get("label_ar" if lang == 0 else "label_en") or ""))
        for o in target.get("options") or []
        if isinstance(o, Mapping)
    ]


def _condition(when: object, fields: Mapping[str, Mapping[str, Any]], lang: int) -> dict[str, Any]:
    if not isinstance(when, Mapping):
        return {"field": "", "answers": [], "choices": []}
    code = str(when.get("field") or "")
    target = fields.get(code)
    tested = when.get("one_of") if when.get("one_of") is not None else [when.get("equals")]
    answers: list[str] = []
    for value in tested if isinstance(tested, list) else []:
        if isinstance(value, bool):
            answers.append(YES if value else NO)
        elif value is not None:
            option = next(
                (
                    o
                    for o in (target or {}).get("options") or []
                    if isinstance(o, Mapping) and o.get("code") == value
                ),
                None,
            )
            answers.append(str(option.get("label_ar", "")).strip() if option else str(value))
    choices = _answer_choices(target, lang)
    # An answer the question no longer offers stays ticked, so that saving does not drop it unseen.
    choices += [(a, a) for a in answers if a not in {c[0] for c in choices}]
    return {
        "field": code,
        "answers": answers,
        "choices": choices,
        "missing": bool(code) and (target is None or target.get("type") not in ("choice", "yes_no")),
    }


def _files(data: Mapping[str, Any]) -> dict[str, Any]:
    types = data.get("file_types")
    ticked = list(types) if isinstance(types, list) else list(FILE_TYPES)
    size = data.get("max_size_mb")
    return {"file_types": ticked, "max_mb": "" if size is None else str(size)}


def _column(column: Mapping[str, Any], at: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "at": at,
        "code": column.get("code", ""),
        "label_ar": column.get("label_ar", ""),
        "label_en": column.get("label_en", ""),
        "type": column.get("type", "text"),
        "required": bool(column.get("required")),
        "options": options_text(list(column.get("options") or [])),
        "errors": errors,
    }


def intake_rows(document: Mapping[str, Any], lang: str, errors: Mapping[str, list[str]]) -> dict[str, Any]:
    """The intake questions and checklist items as the editor shows them."""
    index = 0 if lang == "ar" else 1
    raw = [f for f in (document.get("intake_form") or {}).get("fields", []) if isinstance(f, Mapping)]
    by_code = {str(f.get("code")): f for f in raw if f.get("code")}
    fields = []
    for i, f in enumerate(raw):
        mine = f"intake-{i}"
        rows = f.get("max_rows")
        fields.append(
            {
                "index": i,
                "key": row_key(f, i),
                "code": f.get("code", ""),
                "label_ar": f.get("label_ar", ""),
                "label_en": f.get("label_en", ""),
                "type": f.get("type", "text"),
                "required": bool(f.get("required")),
                "help_ar": f.get("help_ar", ""),
                "help_en": f.get("help_en", ""),
                "options": options_text(list(f.get("options") or [])),
                "calendar": f.get("calendar") or "",
                "max_rows": "" if rows is None else str(rows),
                "columns": [
                    _column(c, f"{i}-{j}", _own(errors, f"{mine}-col-{j}"))
                    for j, c in enumerate(f.get("fields") or [])
                    if isinstance(c, Mapping)
                ],
                "when": _condition(f.get("when"), by_code, index),
                **_files(f),
                "errors": _own(errors, mine),
            }
        )
    steps = {s.get("step") for s in document.get("procedure") or [] if isinstance(s, Mapping)}
    items = []
    n = 0
    for step, entries in (document.get("checklists") or {}).items():
        for item in entries:
            items.append(
                {
                    "index": n,
                    "key": f"c{n}",
                    "step": step,
                    "step_missing": step not in steps,  # kept as it is, for the rules to name
                    "code": item.get("code", ""),
                    "label_ar": item.get("label_ar", ""),
                    "label_en": item.get("label_en", ""),
                    "kind": item.get("kind", "info"),
                    "required": item.get("required", True) is not False,
                    "when": _condition(item.get("when"), by_code, index),
                    **_files(item),
                    "errors": _own(errors, f"check-{n}"),
                }
            )
            n += 1
    return {
        "intake_rows": fields,
        "check_rows": items,
        "field_types": [(t, FIELD_TYPE_NAMES[t][index]) for t in FIELD_TYPES],
        "column_types": [(t, FIELD_TYPE_NAMES[t][index]) for t in FIELD_TYPES if t != "group"],
        "item_kinds": [(k, ITEM_KIND_NAMES[k][index]) for k in ITEM_KINDS],
        "file_types": list(FILE_TYPE_NAMES.items()),
        "calendars": [(c, names[index]) for c, names in CALENDAR_NAMES.items()],
        # The questions a condition can test: a choice or a yes/no, by their row key.
        "condition_targets": [
            (row_key(f, i), f.get(f"label_{'ar' if index == 0 else 'en'}") or f.get("label_ar") or "")
            for i, f in enumerate(raw)
            if f.get("type") in ("choice", "yes_no")
        ],
        "new_intake_row": {
            "index": "",
            "key": "__KEY__",
            "code": "",
            "type": "text",
            "required": False,
            "columns": [],
            "when": {"field": "", "answers": [], "choices": []},
            "file_types": list(FILE_TYPES),
            "errors": {},
        },
        "new_check_row": {
            "index": "",
            "key": "__KEY__",
            "code": "",
            "kind": "info",
            "required": True,
            "when": {"field": "", "answers": [], "choices": []},
            "file_types": list(FILE_TYPES),
            "errors": {},
        },
        "new_column": {"code": "", "type": "text", "required": True, "errors": {}},
    }


_INTAKE_PATH = re.compile(r"^intake_form\.fields\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\](?:\.(\w+))?)?")
_CHECK_PATH = re.compile(r"^checklists\.(\w+)\[(\d+)\](?:\.(\w+))?")


def intake_field_for(
    path: str, document: Mapping[str, Any], check_steps: list[str] | None = None
) -> str | None:
    """``intake_form.fields[2].label_en`` → ``intake-2-label_en``; a group's column
    (``intake_form.fields[2].fields[1].type``) → ``intake-2-col-1-type``; ``checklists.verify[1].kind``
    → ``check-<its row>-kind``: rows are listed step after step as the server draws them, or in
    ``check_steps``' order (each row's step, as the page posted them, before they are regrouped)."""
    match = _INTAKE_PATH.match(path)
    if match:
        index, attribute, sub, sub_attribute = match.groups()
        if attribute == "fields" and sub is not None:
            return f"intake-{index}-col-{sub}-{sub_attribute or 'row'}"
        if attribute == "fields":
            return f"intake-{index}-columns"
        return f"intake-{index}" + (f"-{attribute}" if attribute else "")
    match = _CHECK_PATH.match(path)
    if match:
        step, position, attribute = match.group(1), int(match.group(2)), match.group(3)
        rows = [i for i, s in enumerate(check_steps or []) if s == step]
        if position < len(rows):
            return f"check-{rows[position]}" + (f"-{attribute}" if attribute else "")
        row = 0
        for name, items in (document.get("checklists") or {}).items():
            if name == step:
                row += position
                break
            row += len(items)
        return f"check-{row}" + (f"-{attribute}" if attribute else "")
    if path.startswith("checklists."):
        return "checklists"
    if path.startswith("intake_form"):
        return "intake_form"
    return None
