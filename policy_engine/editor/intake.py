"""The intake form and the checklists in the draft editor, as rows: each question with its Arabic
and English label, its kind, whether it is required and its help; each item a step checks. What the
rows do not show (a group's columns, a condition, file limits) is kept from the field with the same
code."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict

from policy_engine.rules.intake import FIELD_TYPES, ITEM_KINDS

_SLUG = re.compile(r"[^a-z0-9]+")
OPTION_SEPARATOR = "|"

FIELD_TYPE_NAMES: Mapping[str, tuple[str, str]] = {
    "text": ("نص", "Text"),
    "number": ("رقم", "Number"),
    "date": ("تاريخ", "Date"),
    "choice": ("اختيار من قائمة", "Choice from a list"),
    "yes_no": ("نعم / لا", "Yes / no"),
    "phone": ("رقم جوال", "Mobile number"),
    "national_id": ("رقم الهوية أو الإقامة", "National ID or iqama"),
    "file": ("ملف", "File"),
    "group": ("مجموعة متكررة (مثل أفراد الأسرة)", "Repeating group (such as the household)"),
}
ITEM_KIND_NAMES: Mapping[str, tuple[str, str]] = {
    "info": ("معلومة يتحقق منها الموظف", "Information the employee checks"),
    "document": ("مستند يُرفق", "Document to attach"),
}


def code_from(label_en: str, taken: set[str], fallback: str) -> str:
    """A code for a new question or item, from its English label (``household_size``)."""
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
    for line in text.splitlines():
        if not line.strip():
            continue
        ar, _, en = (part.strip() for part in line.partition(OPTION_SEPARATOR))
        old = known.get((ar, en)) or next((o for o in existing if o.get("label_ar") == ar), None)
        code = str(old["code"]) if old is not None else code_from(en or ar, taken, f"option_{len(out) + 1}")
        out.append({"code": code, "label_ar": ar, "label_en": en})
    return out


def _rows(post: QueryDict, prefix: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    columns = {key: post.getlist(f"{prefix}_{key}") for key in keys}
    count = max((len(v) for v in columns.values()), default=0)
    return [{k: (columns[k][i] if i < len(columns[k]) else "") for k in keys} for i in range(count)]


INTAKE_KEYS = ("code", "label_ar", "label_en", "type", "required", "help_ar", "help_en", "options")
CHECK_KEYS = ("step", "code", "label_ar", "label_en", "kind", "required")


def intake_from_post(document: Mapping[str, Any], post: QueryDict) -> dict[str, Any]:
    """The intake form and checklists the posted rows describe (the document's own if the page
    did not show them)."""
    out: dict[str, Any] = {}
    if "if_code" in post or post.get("intake_shown"):
        existing = {f.get("code"): f for f in (document.get("intake_form") or {}).get("fields", [])}
        taken = {str(c) for c in existing}
        fields: list[dict[str, Any]] = []
        for row in _rows(post, "if", INTAKE_KEYS):
            old = dict(existing.get(row["code"]) or {}) if row["code"] else {}
            code = row["code"] or code_from(row["label_en"], taken, f"field_{len(fields) + 1}")
            field = old | {
                "code": code,
                "type": row["type"],
                "label_ar": row["label_ar"].strip(),
                "label_en": row["label_en"].strip(),
                "required": row["required"] == "1",
            }
            for key in ("help_ar", "help_en"):
                if row[key].strip():
                    field[key] = row[key].strip()
                else:
                    field.pop(key, None)
            if row["type"] == "choice":
                field["options"] = _options(row["options"], list(old.get("options") or []))
            else:
                field.pop("options", None)
            fields.append(field)
        out["intake_form"] = {"fields": fields}
    if "ck_code" in post or post.get("intake_shown"):
        existing_items = {
            (step, item.get("code")): item
            for step, items in (document.get("checklists") or {}).items()
            for item in items
        }
        checklists: dict[str, list[dict[str, Any]]] = {}
        taken_items: set[str] = {str(code) for _, code in existing_items}
        for row in _rows(post, "ck", CHECK_KEYS):
            old = dict(existing_items.get((row["step"], row["code"])) or {})
            code = row["code"] or code_from(row["label_en"], taken_items, f"item_{len(taken_items) + 1}")
            item = old | {
                "code": code,
                "kind": row["kind"],
                "label_ar": row["label_ar"].strip(),
                "label_en": row["label_en"].strip(),
                "required": row["required"] != "0",
            }
            if row["kind"] != "document":
                item.pop("file_types", None)
                item.pop("max_size_mb", None)
            checklists.setdefault(row["step"], []).append(item)
        out["checklists"] = checklists
    return out


def intake_rows(document: Mapping[str, Any], lang: str, errors: Mapping[str, list[str]]) -> dict[str, Any]:
    """The intake questions and checklist items as the editor shows them."""
    index = 0 if lang == "ar" else 1
    fields = []
    for i, f in enumerate((document.get("intake_form") or {}).get("fields", [])):
        mine = f"intake-{i}"
        fields.append(
            {
                "index": i,
                "code": f.get("code", ""),
                "label_ar": f.get("label_ar", ""),
                "label_en": f.get("label_en", ""),
                "type": f.get("type", "text"),
                "required": bool(f.get("required")),
                "help_ar": f.get("help_ar", ""),
                "help_en": f.get("help_en", ""),
                "options": options_text(list(f.get("options") or [])),
                "columns": [c.get(f"label_{lang}") or c.get("label_ar") for c in f.get("fields") or []],
                "has_condition": bool(f.get("when")),
                "errors": _own(errors, mine),
            }
        )
    items = []
    n = 0
    for step, entries in (document.get("checklists") or {}).items():
        for item in entries:
            items.append(
                {
                    "index": n,
                    "step": step,
                    "code": item.get("code", ""),
                    "label_ar": item.get("label_ar", ""),
                    "label_en": item.get("label_en", ""),
                    "kind": item.get("kind", "info"),
                    "required": item.get("required", True) is not False,
                    "errors": _own(errors, f"check-{n}"),
                }
            )
            n += 1
    return {
        "intake_rows": fields,
        "check_rows": items,
        "field_types": [(t, FIELD_TYPE_NAMES[t][index]) for t in FIELD_TYPES],
        "item_kinds": [(k, ITEM_KIND_NAMES[k][index]) for k in ITEM_KINDS],
    }


def _own(errors: Mapping[str, list[str]], mine: str) -> dict[str, list[str]]:
    return {
        (key[len(mine) + 1 :] if key != mine else "row"): messages
        for key, messages in errors.items()
        if key == mine or key.startswith(mine + "-")
    }


_INTAKE_PATH = re.compile(r"^intake_form\.fields\[(\d+)\](?:\.(\w+))?")
_CHECK_PATH = re.compile(r"^checklists\.(\w+)\[(\d+)\](?:\.(\w+))?")


def intake_field_for(path: str, document: Mapping[str, Any]) -> str | None:
    """``intake_form.fields[2].label_en`` → ``intake-2-label_en``; ``checklists.verify[1].kind`` →
    ``check-<its row>-kind`` (checklist rows are listed step after step)."""
    match = _INTAKE_PATH.match(path)
    if match:
        index, attribute = match.group(1), match.group(2)
        return f"intake-{index}" + (f"-{attribute}" if attribute and attribute != "fields" else "")
    match = _CHECK_PATH.match(path)
    if match:
        step, index, attribute = match.group(1), int(match.group(2)), match.group(3)
        row = 0
        for name, items in (document.get("checklists") or {}).items():
            if name == step:
                row += index
                break
            row += len(items)
        return f"check-{row}" + (f"-{attribute}" if attribute else "")
    if path.startswith("checklists."):
        return "checklists"
    if path.startswith("intake_form"):
        return "intake_form"
    return None
