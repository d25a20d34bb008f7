"""Text as stored and compared: one form for what a reader sees as the same text.

A browser posts a textarea with CRLF line endings, editors leave trailing spaces, and Arabic typed on
different keyboards may arrive decomposed (a letter and its hamza or shadda as two code points) or
composed. None of that is a change a board should be asked about, so every string in a policy
document is put in one form before it is stored, and both sides are put in it again before they are
compared (versions stored before this rule existed included).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """NFC, LF line endings, no trailing spaces on a line, no blank lines at either end, at most
    one empty line in a row."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalise_document(value: Any) -> Any:
    """The same JSON value with every string in it normalised (keys are left as they are)."""
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, Mapping):
        return {key: normalise_document(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise_document(item) for item in value]
    return value
