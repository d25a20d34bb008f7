"""The intake form and the checklists posted by the draft editor, back into the document.

Each question is a row (``if_*`` fields, one value a row); a repeating group's columns are rows of
their own (``ifc_*``) naming the question they belong to by its row key (``ifc_owner``); checklist
items are ``ck_*`` rows. What a row ticks several of (the file types a document may be, the answers
a condition tests) is posted under the row's key: ``if_ft_<key>``, ``if_when_<key>``.

A condition names the question it tests by that question's row key, and the answers by their
Arabic wording (or yes/no), because a question or an option added in the same edit has no code
until it is saved; codes are made here, from the English wording, and kept for what existed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict

from policy_engine.rules.intake import FILE_TYPES

_SLUG = re.compile(r"[^a-z0-9]+")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
OPTION_SEPARATOR = "|"
YES, NO = "yes", "no"

INTAKE_KEYS = (
    "key",
    "code",
    "label_ar",
    "label_en",
    "type",
    "required",
    "help_ar",
    "help_en",
    "options",
    "calendar",
    "max_mb",
    "max_rows",
    "when_field",
)
COLUMN_KEYS = ("owner", "code", "label_ar", "label_en", "type", "required", "options")
CHECK_KEYS = ("key", "step", "code", "label_ar", "label_en", "kind", "required", "max_mb", "when_field")


def code_from(label_en: str, taken: set[str], fallback: str, *, named: bool = True) -> str:
    """A code for a new question or item, from its English label (``household_size``); a row not
    named yet gets none, so that its code comes from the name it is given later."""
    if not named:
        return ""
    base = _SLUG.sub("_", label_en.lower()).strip("_")[:36]
    if not base or not base[0].isalpha():
        base = fallback
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    taken.add(code)
    return code


def options_text(options: list[Mapping[str, Any]]) -> str:
    """One option a line: «أرمل | Widowed»."""
    return "\n".join(f"{o.get('label_ar', '')} {OPTION_SEPARATOR} {o.get('label_en', '')}" for o in options)


def _options(text: str, existing: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    known = {(str(o.get("label_ar", "")).strip(), str(o.get("label_en", "")).strip()): o for o in existing}
    taken = {str(o.get("code")) for o in existing}
    out: list[dict[str, str]] = []
    used: set[str] = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        ar, _, en = (part.strip() for part in line.partition(OPTION_SEPARATOR))
        old = known.get((ar, en)) or next((o for o in existing if o.get("label_ar") == ar), None)
        if old is not None and str(old["code"]) not in used:
            code = str(old["code"])
        else:
            code = code_from(en or ar, taken, f"option_{len(out) + 1}")
        used.add(code)
        out.append({"code": code, "label_ar": ar, "label_en": en})
    return out


def _rows(post: QueryDict, prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    columns = {key: post.getlist(f"{prefix}_{key}") for key in keys}
    count = max((len(v) for v in columns.values()), default=0)
    return [{k: (columns[k][i] if i < len(columns[k]) else "") for k in keys} for i in range(count)]


def _named(row: Mapping[str, str]) -> bool:
    return bool(row["label_en"].strip() or row["label_ar"].strip())


def _number(text: str) -> int | str | None:
    """«5» or «٥» → 5; empty → None (the default); anything else as typed, for the rules to name."""
    text = text.strip().translate(_DIGITS)
    if not text:
        return None
    return int(text) if text.isdigit() else text


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None or value == "":
        target.pop(key, None)
    else:
        target[key] = value


def _file_limits(target: dict[str, Any], post: QueryDict, prefix: str, row: Mapping[str, str]) -> None:
    """The kinds of file a document may be (all three ticked is the default: nothing stored, unless
    the policy listed them) and its largest size."""
    ticked = set(post.getlist(f"{prefix}_ft_{row['key']}"))
    types = [t for t in FILE_TYPES if t in ticked]
    if len(types) == len(FILE_TYPES) and not target.get("file_types"):
        target.pop("file_types", None)
    elif set(types) != set(target.get("file_types") or ()):
        target["file_types"] = types  # none ticked is stored as none, and the rules say so
    _set(target, "max_size_mb", _number(row["max_mb"]))


def _text(target: dict[str, Any], row: Mapping[str, str], *keys: str) -> None:
    for key in keys:
        _set(target, key, row[key].strip())


def _columns(post: QueryDict, owner: str, old: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    existing = {c.get("code"): c for c in old}
    taken = {str(c) for c in existing}
    columns: list[dict[str, Any]] = []
    for row in _rows(post, "ifc", COLUMN_KEYS):
        if row["owner"] != owner:
            continue
        before = dict(existing.get(row["code"]) or {}) if row["code"] else {}
        column = before | {
            "code": row["code"]
            or code_from(row["label_en"], taken, f"column_{len(columns) + 1}", named=_named(row)),
            "type": row["type"],
            "label_ar": row["label_ar"].strip(),
            "label_en": row["label_en"].strip(),
            "required": row["required"] == "1",
        }
        if row["type"] == "choice":
            column["options"] = _options(row["options"], list(before.get("options") or []))
        else:
            column.pop("options", None)
        columns.append(column)
    return columns


def _condition(
    post: QueryDict,
    name: str,
    row: Mapping[str, str],
    by_key: Mapping[str, Mapping[str, Any]],
    old: Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    """«Ask only when <question> is <answers>»: the question by its row key, the answers by their
    Arabic wording (a yes/no as yes or no), turned into codes now that every code is known."""
    target_key = row["when_field"].strip()
    if not target_key:
        return None
    target = by_key.get(target_key)
    if target is None:  # a question that is no longer on the page: the rules say so beside it
        return {"field": target_key}
    values: list[Any] = []
    for answer in post.getlist(f"{name}_when_{row['key']}"):
        if target.get("type") == "yes_no" and answer in (YES, NO):
            value: Any = answer == YES
        else:
            value = next(
                (
                    o["code"]
                    for o in target.get("options") or []
                    if answer in (o.get("code"), str(o.get("label_ar", "")).strip())
                ),
                answer,
            )
        if value not in values:
            values.append(value)
    when: dict[str, Any] = {"field": target["code"]}
    before = list((old or {}).get("one_of") or [])
    if old and "equals" in old and old.get("one_of") is None:
        before = [old["equals"]]
    if before and len(before) == len(values) and all(v in before for v in values):
        values = before  # the same answers keep the order (and the form) they had
        if "one_of" in (old or {}):
            return when | {"one_of": values}
    if len(values) == 1:
        return when | {"equals": values[0]}
    return when | ({"one_of": values} if values else {})


def intake_from_post(document: Mapping[str, Any], post: QueryDict) -> dict[str, Any]:
    """The intake form and checklists the posted rows describe (the document's own if the page
    did not show them)."""
    out: dict[str, Any] = {}
    shown = bool(post.get("intake_shown"))
    by_key: dict[str, dict[str, Any]] = {}
    fields: list[dict[str, Any]] = []
    old_fields = {f.get("code"): f for f in (document.get("intake_form") or {}).get("fields", [])}
    if "if_code" in post or shown:
        taken = {str(c) for c in old_fields}
        rows = _rows(post, "if", INTAKE_KEYS)
        for row in rows:
            old = dict(old_fields.get(row["code"]) or {}) if row["code"] else {}
            field = old | {
                "code": row["code"]
                or code_from(row["label_en"], taken, f"field_{len(fields) + 1}", named=_named(row)),
                "type": row["type"],
                "label_ar": row["label_ar"].strip(),
                "label_en": row["label_en"].strip(),
                "required": row["required"] == "1",
            }
            _text(field, row, "help_ar", "help_en")
            for key in ("options", "calendar", "file_types", "max_size_mb", "fields", "max_rows", "when"):
                if key not in _KEPT_FOR.get(row["type"], ()):
                    field.pop(key, None)
            if row["type"] == "choice":
                field["options"] = _options(row["options"], list(old.get("options") or []))
            elif row["type"] == "date":
                _set(
                    field, "calendar", row["calendar"] if row["calendar"] in ("hijri", "gregorian") else None
                )
            elif row["type"] == "file":
                _file_limits(field, post, "if", row)
            elif row["type"] == "group":
                field["fields"] = _columns(post, row["key"], list(old.get("fields") or []))
                _set(field, "max_rows", _number(row["max_rows"]))
            fields.append(field)
            by_key[row["key"] or field["code"] or f"new-{len(fields) - 1}"] = field
        for row, field in zip(rows, fields, strict=True):
            earlier = old_fields.get(row["code"]) if row["code"] else None
            _set(field, "when", _condition(post, "if", row, by_key, (earlier or {}).get("when")))
        out["intake_form"] = {"fields": fields}
    else:
        by_key = {str(code): dict(f) for code, f in old_fields.items()}
    if "ck_code" in post or shown:
        existing = {
            item.get("code"): item for items in (document.get("checklists") or {}).values() for item in items
        }
        checklists: dict[str, list[dict[str, Any]]] = {}
        taken_items: set[str] = {str(code) for code in existing}
        for row in _rows(post, "ck", CHECK_KEYS):
            old = dict(existing.get(row["code"]) or {}) if row["code"] else {}
            item = old | {
                "code": row["code"]
                or code_from(row["label_en"], taken_items, f"item_{len(taken_items) + 1}"),
                "kind": row["kind"],
                "label_ar": row["label_ar"].strip(),
                "label_en": row["label_en"].strip(),
                "required": row["required"] != "0",
            }
            if row["kind"] == "document":
                _file_limits(item, post, "ck", row)
            else:
                item.pop("file_types", None)
                item.pop("max_size_mb", None)
            _set(item, "when", _condition(post, "ck", row, by_key, old.get("when")))
            checklists.setdefault(row["step"], []).append(item)
        out["checklists"] = checklists
    return out


# What a question keeps of its earlier self when its kind does not change what the form asks.
_KEPT_FOR: Mapping[str, tuple[str, ...]] = {
    "choice": ("options",),
    "date": ("calendar",),
    "file": ("file_types", "max_size_mb"),
    "group": ("fields", "max_rows"),
}
