"""The draft editor's form: turns a policy document into form rows and a posted form back into a
document, and maps the rules' error paths (``procedure[4].window``) onto the form's fields."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict

from policy_engine.rules.catalog import CatalogKind, codes, label
from policy_engine.rules.validation import FieldError

TEXT_FIELDS = (
    "preamble_ar",
    "preamble_en",
    "general_goal_ar",
    "general_goal_en",
    "responsibilities_ar",
    "responsibilities_en",
)


def _code(entry: Any) -> str:
    return entry if isinstance(entry, str) else str(entry.get("code", ""))


def _entry_label(kind: CatalogKind, entry: Any, lang: str) -> str:
    if isinstance(entry, Mapping) and entry.get(f"label_{lang}"):
        return str(entry[f"label_{lang}"])
    try:
        return label(kind, _code(entry), "en" if lang.startswith("en") else "ar")
    except KeyError:
        return _code(entry)


def _rows(kind: CatalogKind, entries: list[Any], lang: str) -> list[dict[str, Any]]:
    present = {_code(e): (i, e) for i, e in enumerate(entries)}
    all_codes = list(codes(kind)) + [c for c in present if c not in codes(kind)]
    rows = []
    for code in all_codes:
        index, entry = present.get(code, (None, code))
        rows.append(
            {
                "code": code,
                "label": _entry_label(kind, entry, lang),
                "included": index is not None,
                "position": (index + 1) if index is not None else "",
                "document": entry.get("document") if isinstance(entry, Mapping) else None,
            }
        )
    rows.sort(key=lambda r: (not r["included"], r["position"] or 99))
    return rows


def editor_context(document: Mapping[str, Any], lang: str) -> dict[str, Any]:
    steps = {s["step"]: (i, s) for i, s in enumerate(document.get("procedure", []))}
    step_rows = []
    for code in codes(CatalogKind.STEP):
        index, step = steps.get(code, (None, {"step": code}))
        step_rows.append(
            {
                "code": code,
                "label": label(CatalogKind.STEP, code, "en" if lang.startswith("en") else "ar"),
                "included": index is not None,
                "position": (index + 1) if index is not None else "",
                "params": step,
            }
        )
    step_rows.sort(key=lambda r: (not r["included"], r["position"] or 99))
    goals = document.get("detailed_goals", [])
    return {
        "texts": {name: document.get(name) or "" for name in TEXT_FIELDS},
        "beneficiary_term": document.get("beneficiary_term", "beneficiary"),
        "beneficiary_terms": [
            (c, label(CatalogKind.BENEFICIARY_TERM, c, "en" if lang.startswith("en") else "ar"))
            for c in codes(CatalogKind.BENEFICIARY_TERM)
        ],
        "goals_ar": "\n".join(g.get("ar", "") for g in goals),
        "goals_en": "\n".join(g.get("en", "") or "" for g in goals),
        "channel_rows": _rows(CatalogKind.CHANNEL, list(document.get("channels", [])), lang),
        "tool_rows": _rows(CatalogKind.STAFF_TOOL, list(document.get("staff_tools", [])), lang),
        "step_rows": step_rows,
        "parties": [
            (c, label(CatalogKind.PARTY, c, "en" if lang.startswith("en") else "ar"))
            for c in codes(CatalogKind.PARTY)
        ],
        "staff_acknowledgment_required": bool(document.get("staff_acknowledgment_required")),
        "contacts_json": json.dumps(document.get("contacts", []), ensure_ascii=False, indent=2),
        "bank_accounts_json": json.dumps(document.get("bank_accounts", []), ensure_ascii=False, indent=2),
    }


def _ordered(post: QueryDict, prefix: str, existing: list[Any]) -> list[Any]:
    by_code = {_code(e): e for e in existing}
    chosen = []
    for code in post.getlist(f"{prefix}_included"):
        try:
            position = int(post.get(f"{prefix}_position_{code}") or 999)
        except ValueError:
            position = 999
        chosen.append((position, code))
    chosen.sort()
    return [by_code.get(code, code) for _, code in chosen]


class JsonFieldError(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def document_from_post(document: Mapping[str, Any], post: QueryDict) -> dict[str, Any]:
    """The document the posted form describes; parts the form does not show are kept as they are."""
    new = dict(document)
    for name in TEXT_FIELDS:
        value = (post.get(name) or "").strip()
        if value:
            new[name] = value
        else:
            new.pop(name, None)
    new["beneficiary_term"] = post.get("beneficiary_term") or document.get("beneficiary_term", "beneficiary")
    goals_ar = [line.strip() for line in (post.get("goals_ar") or "").splitlines() if line.strip()]
    goals_en = [line.strip() for line in (post.get("goals_en") or "").splitlines() if line.strip()]
    new["detailed_goals"] = [
        {"ar": ar, **({"en": goals_en[i]} if i < len(goals_en) else {})} for i, ar in enumerate(goals_ar)
    ]
    new["channels"] = _ordered(post, "channel", list(document.get("channels", [])))
    new["staff_tools"] = _ordered(post, "tool", list(document.get("staff_tools", [])))
    procedure = []
    for step in _ordered(post, "step", [s["step"] for s in document.get("procedure", [])]):
        entry: dict[str, Any] = {"step": step}
        if step == "refer":
            entry["target"] = post.get("refer_target") or ""
        if step == "committee_review":
            entry["body"] = post.get("review_body") or ""
            entry["window"] = (post.get("review_window") or "").strip().upper()
            if post.get("review_business_days"):
                entry["business_days"] = True
        procedure.append(entry)
    new["procedure"] = procedure
    new["staff_acknowledgment_required"] = bool(post.get("staff_acknowledgment_required"))
    for name in ("contacts", "bank_accounts"):
        raw = (post.get(f"{name}_json") or "").strip() or "[]"
        try:
            new[name] = json.loads(raw)
        except ValueError:
            raise JsonFieldError(f"{name}_json") from None
    return new


_INDEX = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?")


def form_field_for(path: str, document: Mapping[str, Any]) -> str:
    """Which form field an error at ``path`` belongs to."""
    match = _INDEX.match(path)
    if not match:
        return path.split(".")[0] or "form"
    section, index, attribute = match.group(1), int(match.group(2)), match.group(3)
    if section == "procedure":
        steps = document.get("procedure", [])
        step = steps[index]["step"] if index < len(steps) and isinstance(steps[index], Mapping) else ""
        if step == "refer" and attribute == "target":
            return "refer_target"
        if step == "committee_review" and attribute in ("body", "window", "business_days"):
            return {
                "body": "review_body",
                "window": "review_window",
                "business_days": "review_business_days",
            }[attribute]
        return "procedure"
    if section in ("contacts", "bank_accounts"):
        return f"{section}_json"
    if section == "detailed_goals":
        return "goals_ar"
    return {"channels": "channels", "staff_tools": "tools"}.get(section, section)


def errors_by_field(errors: list[FieldError], document: Mapping[str, Any], lang: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        message = error.message_en if lang.startswith("en") else error.message_ar
        out.setdefault(form_field_for(error.path, document), []).append(f"{message} ({error.path})")
    return out
