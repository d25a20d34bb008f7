"""Every string the screens translate is in both catalogues, translated and not fuzzy.

The strings are found the way makemessages finds them, without GNU gettext (a clean machine has
only Python): templates through Django's own ``templatize``, Python through its syntax tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib  # type: ignore[import-untyped,unused-ignore]  # flagged or not by mypy depending on its cache
import pytest
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("casework", "policy_engine", "themes", "tenants", "platform")
GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
}
_CALL = re.compile(r"\b(n?p?gettext)\(((?:\s*u?'(?:[^'\\]|\\.)*'\s*,?)+)")
_LITERAL = re.compile(r"u?'(?:[^'\\]|\\.)*'")


def _files(pattern: str) -> list[Path]:
    return [
        path
        for top in SOURCES
        for path in (ROOT / top).rglob(pattern)
        if "migrations" not in path.parts and ".venv" not in path.parts
    ]


def template_strings() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for path in _files("*.html"):
        for name, args in _CALL.findall(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
            literals = [ast.literal_eval(lit) for lit in _LITERAL.findall(args)]
            if name in ("pgettext", "npgettext"):
                found.add((literals[0], literals[1]))
            else:
                found.add((None, literals[0]))
    return found


def python_strings() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for path in _files("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in GETTEXT:
                continue
            args = [
                a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                for a in node.args
            ]
            if name.startswith("p") and len(args) >= 2 and args[0] is not None and args[1] is not None:
                found.add((args[0], args[1]))
            elif args and args[0] is not None:
                found.add((None, args[0]))
    return found


@pytest.fixture(scope="module")
def used() -> set[tuple[str | None, str]]:
    strings = template_strings() | python_strings()
    assert len(strings) > 400  # the extraction found the screens' strings (not an empty set)
    return strings


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_string_on_screen_is_in_the_catalogue_and_translated(
    used: set[tuple[str | None, str]], language: str
) -> None:
    catalogue = polib.pofile(str(ROOT / "themes" / "locale" / language / "LC_MESSAGES" / "django.po"))
    entries = {(e.msgctxt, e.msgid): e for e in catalogue if not e.obsolete}
    missing = sorted(msgid for key in used if key not in entries for msgid in [key[1]])
    assert missing == [], f"not in the {language} catalogue (run `make messages`): {missing}"
    untranslated = sorted(e.msgid for key, e in entries.items() if key in used and not e.translated())
    assert untranslated == [], f"untranslated in {language}: {untranslated}"
    fuzzy = sorted(e.msgid for e in catalogue.fuzzy_entries())
    assert fuzzy == [], f"fuzzy (unchecked guesses) in {language}: {fuzzy}"


def test_placeholders_survive_translation() -> None:
    catalogue = polib.pofile(str(ROOT / "themes" / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    broken = [
        e.msgid
        for e in catalogue
        if e.msgstr and sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(e.msgstr))
    ]
    assert broken == []


def test_the_check_catches_a_string_missing_from_a_catalogue(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text('{% load i18n %}<p>{% translate "A sentence no catalogue has" %}</p>', encoding="utf-8")
    strings = {
        (None, m)
        for _n, args in _CALL.findall(templatize(page.read_text(), origin=str(page)))
        for m in [ast.literal_eval(_LITERAL.findall(args)[0])]
    }
    catalogue = polib.pofile(str(ROOT / "themes" / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    assert strings == {(None, "A sentence no catalogue has")}
    assert (None, "A sentence no catalogue has") not in {(e.msgctxt, e.msgid) for e in catalogue}
