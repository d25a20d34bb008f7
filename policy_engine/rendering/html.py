"""The policy as HTML: a fragment for the site's pages, or a standalone page with its styles and
fonts (which the PDF is drawn from)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import themes
from policy_engine.rendering.context import PolicyContext, build_context
from policy_engine.rules.document import PolicyDocument

TEMPLATE_NAME = "policy_engine/policy_document.html"
PACKAGE_DIR = Path(__file__).resolve().parent.parent
_TEMPLATE_DIR = PACKAGE_DIR / "templates"
CSS_PATH = PACKAGE_DIR / "static" / "policy_engine" / "policy.css"
FONT_DIR = Path(themes.__file__).resolve().parent / "static" / "sila" / "fonts"

# The shipped webfont is split in two subsets (Arabic and Latin) that carry the same internal name.
# WeasyPrint keys the fonts it embeds by family and weight, so two subsets under one CSS family
# would be merged into one PDF font and draw the wrong glyphs: each subset gets its own family.
FONT_FAMILY_ARABIC = "Noto Sans Arabic"
FONT_FAMILY_LATIN = "Noto Sans Arabic Latin"
_FONT_FILES: tuple[tuple[str, str, int], ...] = (
    (FONT_FAMILY_ARABIC, "noto-sans-arabic-arabic-400-normal", 400),
    (FONT_FAMILY_ARABIC, "noto-sans-arabic-arabic-700-normal", 700),
    (FONT_FAMILY_LATIN, "noto-sans-arabic-latin-400-normal", 400),
    (FONT_FAMILY_LATIN, "noto-sans-arabic-latin-700-normal", 700),
)


def _template() -> Any:
    """The project's template (so a theme may override it) when policy_engine is an installed app;
    otherwise the same file through a standalone engine, so rendering works without Django set up."""
    from django.apps import apps
    from django.conf import settings

    if settings.configured and apps.ready and apps.is_installed("policy_engine"):
        from django.template.loader import get_template

        return get_template(TEMPLATE_NAME)
    return _standalone_engine().get_template(TEMPLATE_NAME)


@cache
def _standalone_engine() -> Any:
    from django.template import Engine

    return Engine(dirs=[str(_TEMPLATE_DIR)], debug=False, autoescape=True)


def render(template_context: dict[str, Any]) -> str:
    template = _template()
    from django.template import Context
    from django.template.base import Template as EngineTemplate

    if isinstance(template, EngineTemplate):
        return template.render(Context(template_context, autoescape=True, use_l10n=False))
    return template.render(template_context)


@cache
def policy_css() -> str:
    return CSS_PATH.read_text(encoding="utf-8")


def font_face_css(url_for: Any, *, formats: Sequence[str] = ("woff2", "woff")) -> str:
    """@font-face rules for the shipped fonts; ``url_for(filename)`` gives each file's URL."""
    rules = []
    for family, stem, weight in _FONT_FILES:
        sources = ", ".join(f'url("{url_for(f"{stem}.{ext}")}") format("{ext}")' for ext in formats)
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-style: normal; font-weight: {weight}; '
            f"font-display: swap; src: {sources}; }}"
        )
    return "\n".join(rules)


def _static_font_url(filename: str) -> str:
    from django.conf import settings

    if settings.configured:
        from django.templatetags.static import static

        return static(f"sila/fonts/{filename}")
    return (FONT_DIR / filename).as_uri()


def _file_font_url(filename: str) -> str:
    return (FONT_DIR / filename).as_uri()


def _page_css(context: PolicyContext) -> str:
    labels = context.labels
    style = "arabic-indic" if context.lang == "ar" else "decimal"
    page = f'"{labels["page"]} " counter(page, {style}) " {labels["of"]} " counter(pages, {style})'
    return f"@page {{ @bottom-center {{ content: {page}; }} }}"


def template_context(context: PolicyContext, *, standalone: bool, for_pdf: bool) -> dict[str, Any]:
    styles = ""
    if standalone:
        fonts = (
            font_face_css(_file_font_url, formats=("woff",))
            if for_pdf
            else font_face_css(_static_font_url, formats=("woff2", "woff"))
        )
        styles = "\n".join((fonts, policy_css(), _page_css(context)))
    return {"policy": context, "standalone": standalone, "for_pdf": for_pdf, "styles": styles}


def render_policy_html(
    *,
    association: Mapping[str, Any],
    document: Mapping[str, Any] | PolicyDocument,
    version: Mapping[str, Any] | None,
    approval: Mapping[str, Any] | None,
    lang: str,
    standalone: bool,
) -> str:
    """The policy as HTML: an ``<article>`` fragment to put in a page that links
    ``policy_engine/policy.css``, or (``standalone``) a complete page with its styles and fonts."""
    context = build_context(
        association=association, document=document, version=version, approval=approval, lang=lang
    )
    return render(template_context(context, standalone=standalone, for_pdf=False))
