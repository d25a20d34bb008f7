"""A policy document as the editor shows it: its sections in the document's order, headed in its
own words, Arabic and English side by side, every list as rows with their errors beside them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policy_engine.editor.intake_rows import intake_rows
from policy_engine.editor.posted import LISTS, WINDOW_UNITS
from policy_engine.rendering.words import labels_for
from policy_engine.rules.catalog import CUSTOM_PREFIX, CatalogKind, Lang, codes, get_entry, label
from policy_engine.rules.document import CONTACT_KINDS
from policy_engine.rules.wording import PLACEHOLDER_WORDS, TERMS, default_wording, to_words

_WINDOW = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_RAW_WINDOW = re.compile(r"^P(.*?)([DWM])$")

CONTACT_KIND_NAMES: Mapping[str, tuple[str, str]] = {
    "phone": ("هاتف", "Phone"),
    "email": ("بريد إلكتروني", "Email"),
    "website": ("موقع إلكتروني", "Website"),
    "facebook": ("فيسبوك", "Facebook"),
    "address": ("عنوان", "Address"),
    "other": ("أخرى", "Other"),
}
_TEXTS = (
    "title_ar",
    "title_en",
    "preamble_ar",
    "preamble_en",
    "general_goal_ar",
    "general_goal_en",
    "responsibilities_ar",
    "responsibilities_en",
    "approval_note_ar",
    "approval_note_en",
)
UNIT_NAMES: Mapping[str, tuple[str, str]] = {
    "D": ("أيام", "days"),
    "W": ("أسابيع", "weeks"),
    "M": ("أشهر", "months"),
}


def window_parts(window: object) -> tuple[str, str]:
    """``P2W`` → ("2", "W"); a year is twelve months; a mix of units is counted in days. A value
    the rules refuse is shown as it was typed, so nothing typed is lost."""
    text = str(window or "")
    match = _WINDOW.match(text)
    if match and any(match.groups()):
        years, months, weeks, days = (int(g or 0) for g in match.groups())
        parts = [(years * 12 + months, "M"), (weeks, "W"), (days, "D")]
        used = [(n, unit) for n, unit in parts if n]
        if len(used) == 1:
            return str(used[0][0]), used[0][1]
        if not used:
            return "0", "D"
        return str(years * 365 + months * 30 + weeks * 7 + days), "D"
    raw = _RAW_WINDOW.match(text)
    if raw:
        return raw.group(1).replace("?", ""), raw.group(2)
    return "", "W"


def _lang(lang: str) -> Lang:
    return "en" if lang.startswith("en") else "ar"


def _entry(kind: CatalogKind, value: Any, lang: Lang) -> dict[str, Any]:
    data = {"code": value} if isinstance(value, str) else dict(value)
    code = str(data.get("code") or "")
    catalog = get_entry(kind, code)
    return {
        "code": code,
        "custom": catalog is None,
        "name": (catalog.label(lang) if catalog else "")
        or data.get(f"label_{lang}")
        or data.get("label_ar")
        or "",
        **{key: data.get(key) or "" for key in ("label_ar", "label_en", "note_ar", "note_en", "document")},
    }


def _step(raw: Any, language: Lang) -> dict[str, Any]:
    step = dict(raw) if isinstance(raw, Mapping) else {"step": str(raw)}
    code = str(step.get("step") or "")
    number, unit = window_parts(step.get("window"))
    return {
        "code": code,
        "name": label(CatalogKind.STEP, code, language) if get_entry(CatalogKind.STEP, code) else code,
        "target": step.get("target") or "",
        "body": step.get("body") or "",
        "window_n": number,
        "window_unit": unit,
        "business_days": bool(step.get("business_days")),
        "text_ar": to_words(step.get("text_ar") or default_wording(code, "ar"), "ar"),
        "text_en": to_words(step.get("text_en") or default_wording(code, "en"), "en"),
    }


def _blank(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"index": "", "errors": {}}


def _new_rows(language: Lang) -> dict[str, Any]:
    """A blank row of each list, as the page adds it in place (one per catalogue entry where the
    entry decides what the row shows): the script clones these, so a row added on the page is the
    row the server would have drawn."""
    custom = {"code": CUSTOM_PREFIX}
    return {
        "goal": _blank({"ar": "", "en": ""}),
        "channels": [
            _blank(_entry(CatalogKind.CHANNEL, code, language)) for code in [*codes(CatalogKind.CHANNEL)]
        ]
        + [_blank(_entry(CatalogKind.CHANNEL, custom, language))],
        "tools": [
            _blank(_entry(CatalogKind.STAFF_TOOL, code, language)) | {"key": "__KEY__"}
            for code in [*codes(CatalogKind.STAFF_TOOL), CUSTOM_PREFIX]
        ],
        "steps": [_blank(_step({"step": code}, language)) for code in codes(CatalogKind.STEP)],
        "contacts": [
            _blank({"kind": kind, "value": "", "label_ar": "", "label_en": ""}) for kind in CONTACT_KINDS
        ],
        "account": _blank({"fund_code": "", "label_ar": "", "label_en": "", "iban": "", "printed": ""}),
    }


def _with_errors(
    rows: list[dict[str, Any]], prefix: str, errors: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    for index, row in enumerate(rows):
        mine = f"{prefix}-{index}"
        row["index"] = index
        row["errors"] = {
            key[len(mine) + 1 :] if key != mine else "row": messages
            for key, messages in errors.items()
            if key == mine or key.startswith(mine + "-")
        }
    return rows


def _choices(kind: CatalogKind, lang: Lang) -> list[tuple[str, str]]:
    return [(code, label(kind, code, lang)) for code in codes(kind)]


def editor_context(
    document: Mapping[str, Any], lang: str, errors: Mapping[str, list[str]] | None = None
) -> dict[str, Any]:
    """Everything the editor template shows, in the page's language."""
    language = _lang(lang)
    errors = errors or {}
    term = TERMS.get(str(document.get("beneficiary_term") or ""), TERMS["beneficiary"])
    headings = labels_for(language, term)
    own = document.get("headings") or {}
    for key, value in own.items() if isinstance(own, Mapping) else ():
        if isinstance(value, Mapping) and (value.get(language) or "").strip():
            headings[key] = value[language]
    channels = [_entry(CatalogKind.CHANNEL, e, language) for e in document.get("channels") or []]
    tools = [_entry(CatalogKind.STAFF_TOOL, e, language) for e in document.get("staff_tools") or []]
    for i, tool in enumerate(tools):  # what its file is posted under (a new tool has no code yet)
        tool["key"] = tool["code"] if tool["code"] not in ("", CUSTOM_PREFIX) else f"new-{i}"
    steps = [_step(raw, language) for raw in document.get("procedure") or []]
    goals = [
        {"ar": g.get("ar", ""), "en": g.get("en", "")}
        for g in document.get("detailed_goals") or []
        if isinstance(g, Mapping)
    ]
    contacts = [
        {key: c.get(key) or "" for key in ("kind", "value", "label_ar", "label_en")}
        for c in document.get("contacts") or []
        if isinstance(c, Mapping)
    ]
    accounts = [
        {
            "fund_code": a.get("fund_code") or "",
            "label_ar": a.get("label_ar") or "",
            "label_en": a.get("label_en") or "",
            "iban": a.get("iban") or "",
            "printed": a.get("account_number_as_printed") or "",
        }
        for a in document.get("bank_accounts") or []
        if isinstance(a, Mapping)
    ]
    used_channels = {row["code"] for row in channels}
    used_tools = {row["code"] for row in tools}
    used_steps = {row["code"] for row in steps}
    other = "Another (name it)" if language == "en" else "أخرى (سمّها)"
    texts = {name: str(document.get(name) or "") for name in _TEXTS}
    term_ar, term_en = labels_for("ar", term)["title"], labels_for("en", term)["title"]

    def pair(
        name: str, *, multiline: bool = True, placeholders: tuple[str, str] = ("", "")
    ) -> dict[str, Any]:
        return {
            "name": name,
            "ar": texts[f"{name}_ar"],
            "en": texts[f"{name}_en"],
            "errors_ar": errors.get(f"{name}_ar", []),
            "errors_en": errors.get(f"{name}_en", []),
            "multiline": multiline,
            "placeholder_ar": placeholders[0],
            "placeholder_en": placeholders[1],
        }

    return {
        "pairs": {
            "title": pair("title", multiline=False, placeholders=(term_ar, term_en)),
            "preamble": pair("preamble"),
            "general_goal": pair("general_goal"),
            "responsibilities": pair("responsibilities"),
            "approval_note": pair("approval_note", multiline=False),
        },
        "headings": headings,
        "beneficiary_term": document.get("beneficiary_term", "beneficiary"),
        "beneficiary_terms": _choices(CatalogKind.BENEFICIARY_TERM, language),
        "goal_rows": _with_errors(goals, "goal", errors),
        "channel_rows": _with_errors(channels, "channel", errors),
        "tool_rows": _with_errors(tools, "tool", errors),
        "step_rows": _with_errors(steps, "step", errors),
        "contact_rows": _with_errors(contacts, "contact", errors),
        "account_rows": _with_errors(accounts, "account", errors),
        "channel_choices": [c for c in _choices(CatalogKind.CHANNEL, language) if c[0] not in used_channels]
        + [(CUSTOM_PREFIX, other)],
        "tool_choices": [c for c in _choices(CatalogKind.STAFF_TOOL, language) if c[0] not in used_tools]
        + [(CUSTOM_PREFIX, other)],
        "step_choices": [c for c in _choices(CatalogKind.STEP, language) if c[0] not in used_steps],
        "parties": _choices(CatalogKind.PARTY, language),
        "units": [(unit, UNIT_NAMES[unit][0 if language == "ar" else 1]) for unit in WINDOW_UNITS],
        "contact_kinds": [(k, CONTACT_KIND_NAMES[k][0 if language == "ar" else 1]) for k in CONTACT_KINDS],
        "staff_acknowledgment_required": bool(document.get("staff_acknowledgment_required")),
        "approval_seal": bool(document.get("approval_seal")),
        "decision_reason_shared": bool(document.get("decision_reason_shared")),
        **intake_rows(document, language, errors),
        "errors": errors,
        "placeholder_words": [
            *list(PLACEHOLDER_WORDS[language].values())[1::2],
            PLACEHOLDER_WORDS[language]["window"],
        ],
        "lists": LISTS,
        "new_rows": _new_rows(language),
    }
