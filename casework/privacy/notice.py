"""The privacy notice Sila provides as a template (``notice_template/ar.txt`` and ``en.txt``):
each association publishes its own notice (versions), starting from this text with its name
filled in for ``{name}``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_FOLDER = Path(__file__).with_name("notice_template")


@cache
def _template(lang: str) -> str:
    return (_FOLDER / f"{lang}.txt").read_text(encoding="utf-8")


def template_text(*, name_ar: str, name_en: str) -> tuple[str, str]:
    """The template's Arabic and English text for an association of these names."""
    return _template("ar").replace("{name}", name_ar), _template("en").replace("{name}", name_en)
