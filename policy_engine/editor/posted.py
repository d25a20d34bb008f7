"""A posted editor form back into a policy document.

Every list is posted as parallel fields, one value per row in the order the rows stand on the page
(``ch_code``, ``ch_note_ar``… for channels), so the order the admin gave by dragging or by the
buttons is the order posted. Parts of the document the form does not show (the intake form and
checklists, headings) are kept as they are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict

from policy_engine.editor.intake import intake_from_post
from policy_engine.rules.catalog import CUSTOM_PREFIX, CatalogKind, get_entry
from policy_engine.rules.wording import default_wording, from_words

TEXT_FIELDS = (
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
# Texts a policy may leave out (the title and the approval note fall back to the template's).
OPTIONAL_TEXTS = frozenset(
    {
        "title_ar",
        "title_en",
        "responsibilities_ar",
        "responsibilities_en",
        "approval_note_ar",
        "approval_note_en",
    }
)
WINDOW_UNITS = ("D", "W", "M")
# list -> (posted prefix, the fields each row posts)
LISTS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "detailed_goals": ("gl", ("ar", "en")),
    "channels": ("ch", ("code", "label_ar", "label_en", "note_ar", "note_en")),
    "staff_tools": ("tl", ("code", "label_ar", "label_en", "note_ar", "note_en", "document")),
    "procedure": ("st", ("code", "target", "body", "window_n", "window_unit", "text_ar", "text_en")),
    "contacts": ("ct", ("kind", "value", "label_ar", "label_en")),
    "bank_accounts": ("ac", ("fund_code", "label_ar", "label_en", "iban", "printed")),
}
_SLUG = re.compile(r"[^a-z0-9]+")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _rows(post: QueryDict, name: str) -> list[dict[str, str]]:
    prefix, keys = LISTS[name]
    columns = {key: post.getlist(f"{prefix}_{key}") for key in keys}
    count = max((len(values) for values in columns.values()), default=0)
    return [{key: (columns[key][i] if i < len(columns[key]) else "") for key in keys} for i in range(count)]


def _opt(value: str) -> str | None:
    return value.strip() or None


def _custom_code(label_en: str, label_ar: str) -> str:
    """A code for a channel or tool the catalogue lacks, made from its name (English if it has a
    Latin one): the same name gives the same code, so a channel added twice is caught as a duplicate.
    A row not named yet keeps the bare prefix until it is."""
    slug = _SLUG.sub("-", label_en.lower()).strip("-")
    if not slug and label_ar.strip():
        slug = "n" + hashlib.sha1(" ".join(label_ar.split()).encode(), usedforsecurity=False).hexdigest()[:8]
    return CUSTOM_PREFIX + slug


def _entries(rows: list[dict[str, str]], kind: CatalogKind, *, with_document: bool) -> list[Any]:
    entries: list[Any] = []
    for row in rows:
        code = row["code"].strip()
        if code in ("", CUSTOM_PREFIX):
            code = _custom_code(row["label_en"], row["label_ar"])
        entry: dict[str, Any] = {"code": code}
        for key in ("label_ar", "label_en", "note_ar", "note_en") + (("document",) if with_document else ()):
            value = _opt(row.get(key, ""))
            if value is not None:
                entry[key] = value
        if get_entry(kind, code) is not None and set(entry) == {"code"}:
            entries.append(code)  # the canonical form of a bare catalogue entry
        else:
            entries.append(entry)
    return entries


def window_iso(number: str, unit: str) -> str:
    """«2» and «W» → ``P2W``; Arabic-Indic digits are read; anything else is passed on as typed so
    the rules name the problem (``P0D`` is too short, ``P400D`` too long)."""
    number = number.strip().translate(_DIGITS)
    unit = unit if unit in WINDOW_UNITS else "D"
    return f"P{number}{unit}" if number.isdigit() else f"P{number or '?'}{unit}"


def _steps(rows: list[dict[str, str]], post: QueryDict, term: str) -> list[dict[str, Any]]:
    business = set(post.getlist("st_business"))
    steps = []
    for row in rows:
        code = row["code"].strip()
        step: dict[str, Any] = {"step": code}
        if code == "refer":
            step["target"] = row["target"]
        if code == "committee_review":
            step["body"] = row["body"]
            step["window"] = window_iso(row["window_n"], row["window_unit"])
            if code in business:
                step["business_days"] = True
        # The step's own wording, kept only where it differs from the template's.
        for lang, key in (("ar", "text_ar"), ("en", "text_en")):
            text = " ".join(from_words(row[key], lang).split())  # type: ignore[arg-type]
            if text and text != " ".join(default_wording(code, lang).split()):  # type: ignore[arg-type]
                step[key] = text
        steps.append(step)
    return steps


def _accounts(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    accounts = []
    taken = {row["fund_code"].strip() for row in rows if row["fund_code"].strip()}
    for index, row in enumerate(rows, start=1):
        code = row["fund_code"].strip()
        if not code:
            code = next(f"fund_{n}" for n in range(index, index + len(rows) + 2) if f"fund_{n}" not in taken)
            taken.add(code)
        account: dict[str, Any] = {
            "fund_code": code,
            "label_ar": row["label_ar"].strip(),
            "label_en": row["label_en"].strip(),
        }
        iban = re.sub(r"\s+", "", row["iban"]).upper().translate(_DIGITS)
        if iban:
            account["iban"] = iban
        elif row["printed"].strip():
            account["account_number_as_printed"] = row["printed"].strip()
        accounts.append(account)
    return accounts


def _contacts(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    contacts = []
    for row in rows:
        contact: dict[str, Any] = {"kind": row["kind"], "value": row["value"].strip()}
        for key in ("label_ar", "label_en"):
            if row[key].strip():
                contact[key] = row[key].strip()
        contacts.append(contact)
    return contacts


def document_from_post(document: Mapping[str, Any], post: QueryDict) -> dict[str, Any]:
    """The document the posted form describes; what the form does not show is kept as it was."""
    new = dict(document)
    for name in TEXT_FIELDS:
        if name not in post:
            continue
        value = post.get(name) or ""
        if value.strip() or name not in OPTIONAL_TEXTS:
            new[name] = value
        else:
            new.pop(name, None)
    new["beneficiary_term"] = post.get("beneficiary_term") or document.get("beneficiary_term", "beneficiary")
    new["detailed_goals"] = [
        {"ar": row["ar"], "en": row["en"]}
        for row in _rows(post, "detailed_goals")
        if row["ar"].strip() or row["en"].strip()
    ]
    new["channels"] = _entries(_rows(post, "channels"), CatalogKind.CHANNEL, with_document=False)
    new["staff_tools"] = _entries(_rows(post, "staff_tools"), CatalogKind.STAFF_TOOL, with_document=True)
    new["procedure"] = _steps(_rows(post, "procedure"), post, new["beneficiary_term"])
    new["staff_acknowledgment_required"] = bool(post.get("staff_acknowledgment_required"))
    new["contacts"] = _contacts(_rows(post, "contacts"))
    new["bank_accounts"] = _accounts(_rows(post, "bank_accounts"))
    new.update(intake_from_post(document, post))
    # An empty intake form or set of checklists is the same as none (and stored as none).
    if not (new.get("intake_form") or {}).get("fields"):
        new.pop("intake_form", None)
    if not new.get("checklists"):
        new.pop("checklists", None)
    for flag in ("approval_seal", "decision_reason_shared"):  # optional: stored only when set
        if post.get(flag):
            new[flag] = True
        else:
            new.pop(flag, None)
    return new


# --- Row actions without a script ------------------------------------------------------------------

_NEW_ROWS: Mapping[str, Any] = {
    "detailed_goals": lambda choice: {"ar": "", "en": ""},
    "contacts": lambda choice: {"kind": choice or "phone", "value": ""},
    "bank_accounts": lambda choice: {"fund_code": "", "label_ar": "", "label_en": ""},
    "channels": lambda choice: choice if choice and choice != CUSTOM_PREFIX else {"code": CUSTOM_PREFIX},
    "staff_tools": lambda choice: choice if choice and choice != CUSTOM_PREFIX else {"code": CUSTOM_PREFIX},
    "procedure": lambda choice: {"step": choice},
}


def _move(rows: list[Any], verb: str, index_text: str) -> list[Any]:
    if index_text.isdigit() and int(index_text) < len(rows):
        index = int(index_text)
        if verb == "remove":
            rows.pop(index)
        elif verb == "up" and index > 0:
            rows[index - 1], rows[index] = rows[index], rows[index - 1]
        elif verb == "down" and index + 1 < len(rows):
            rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def _intake_action(document: dict[str, Any], name: str, verb: str, index_text: str) -> dict[str, Any]:
    if name in ("intake", "columns"):
        fields = [dict(f) for f in (document.get("intake_form") or {}).get("fields") or []]
        if name == "columns":  # ``add:columns:<question>``, ``remove:columns:<question>-<column>``
            question, _, column = index_text.partition("-")
            if question.isdigit() and int(question) < len(fields):
                group = fields[int(question)]
                columns = list(group.get("fields") or [])
                if verb == "add":
                    columns.append(
                        {"code": "", "type": "text", "label_ar": "", "label_en": "", "required": True}
                    )
                group["fields"] = _move(columns, verb, column)
            return document | {"intake_form": {"fields": fields}}
        if verb == "add":
            fields.append({"code": "", "type": "text", "label_ar": "", "label_en": "", "required": False})
        return document | {"intake_form": {"fields": _move(fields, verb, index_text)}}
    pairs = [(step, item) for step, items in (document.get("checklists") or {}).items() for item in items]
    if verb == "add":
        first = next(
            (s.get("step") for s in document.get("procedure") or [] if isinstance(s, Mapping)), "receive"
        )
        pairs.append((first, {"code": "", "kind": "info", "label_ar": "", "label_en": "", "required": True}))
    checklists: dict[str, list[Any]] = {}
    for step, item in _move(pairs, verb, index_text):
        checklists.setdefault(step, []).append(item)
    return document | {"checklists": checklists}


def apply_action(document: dict[str, Any], action: str, post: QueryDict) -> dict[str, Any]:
    """``add:<list>`` (what to add comes from ``add_<list>``), ``up|down|remove:<list>:<row>``."""
    verb, _, rest = action.partition(":")
    name, _, index_text = rest.partition(":")
    if name in ("intake", "columns", "checklists"):
        return _intake_action(document, name, verb, index_text)
    if name not in LISTS:
        return document
    rows = list(document.get(name) or [])
    if verb == "add":
        choice = (post.get(f"add_{name}") or "").strip()
        if name == "procedure" and not choice:
            return document
        rows.append(_NEW_ROWS[name](choice))
    else:
        rows = _move(rows, verb, index_text)
    return document | {name: rows}
