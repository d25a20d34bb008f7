"""Which form field a problem belongs to: the rules speak in document paths
(``procedure[4].window``), the form in row fields (``step-4-window``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policy_engine.editor.intake_rows import intake_field_for
from policy_engine.rules.errors import FieldError

_ROW = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?")
# document list -> the form's row prefix
ROW_PREFIX = {
    "detailed_goals": "goal",
    "channels": "channel",
    "staff_tools": "tool",
    "procedure": "step",
    "contacts": "contact",
    "bank_accounts": "account",
}


def field_for(
    path: str, document: Mapping[str, Any] | None = None, check_steps: list[str] | None = None
) -> str:
    """The form field for a document path; a whole row is ``<prefix>-<index>``."""
    intake = intake_field_for(path, document or {}, check_steps)
    if intake is not None:
        return intake
    match = _ROW.match(path)
    if match:
        section, index, attribute = match.group(1), match.group(2), match.group(3)
        prefix = ROW_PREFIX.get(section)
        if prefix is None:
            return section
        if section == "procedure" and attribute == "step":
            attribute = None
        return f"{prefix}-{index}" + (f"-{attribute}" if attribute else "")
    head = path.split(".")[0].split("[")[0]
    return head or "form"


def errors_by_field(
    errors: list[FieldError],
    lang: str,
    document: Mapping[str, Any] | None = None,
    check_steps: list[str] | None = None,
) -> dict[str, list[str]]:
    """Each problem under its field; ``check_steps`` places checklist problems by the rows' order on
    the page (the live check), rather than as the server draws them again."""
    out: dict[str, list[str]] = {}
    for error in errors:
        if error.code == "invalid_custom_code" or (error.code == "required" and error.path.endswith(".code")):
            continue  # the editor makes codes from names; a missing name has its own message

        message = error.message_en if lang.startswith("en") else error.message_ar
        out.setdefault(field_for(error.path, document, check_steps), []).append(message)
    return out
