"""Checking and saving an association's theme.

Colours must be ``#rrggbb`` and readable: text on the main colour, and the main colour as link text
on the page, need WCAG AA contrast (4.5:1). A logo must be a PNG or JPEG that decodes, at most
512 KB and 2000 px a side; it is re-encoded to PNG (metadata and anything smuggled in dropped).
Nothing typed here reaches a page except through a validated colour or Sila's own PNG, so no markup
or CSS can be injected."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction

from core.errors import FieldProblem, ServiceError, invalid
from themes.models import Theme

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5
PAGE_BACKGROUNDS = ("#ffffff", "#f6f8f7")  # cards and the page behind them (sila.css)
MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_SIDE = 2000
DEFAULT = {"brand": "#0f6e5a", "brand_ink": "#ffffff", "default_language": "ar"}


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _ratio_words(value: float, lang: str) -> str:
    text = f"{value:.2f}"
    return text.translate(str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫")) if lang == "ar" else text


def colour_problems(brand: str, brand_ink: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for field, value in (("brand", brand), ("brand_ink", brand_ink)):
        if not HEX.match(value or ""):
            problems.append(
                FieldProblem(
                    field,
                    "invalid_colour",
                    "اللون يُكتب بصيغة ‎#RRGGBB‎ (مثل ‎#0f6e5a‎).",
                    "A colour is written #RRGGBB (e.g. #0f6e5a).",
                )
            )
    if problems:
        return problems
    on_brand = contrast(brand, brand_ink)
    if on_brand < MIN_CONTRAST:
        problems.append(
            FieldProblem(
                "brand_ink",
                "low_contrast",
                f"التباين بين النص واللون الرئيسي {_ratio_words(on_brand, 'ar')}:١ وأقل ما يُقبل ٤٫٥:١؛ "
                "اختر لونين أوضح تباينًا ليقرأ الجميع.",
                f"The contrast between the text and the main colour is {on_brand:.2f}:1; at least 4.5:1 "
                "is needed so that everyone can read it.",
            )
        )
    on_page = min(contrast(brand, bg) for bg in PAGE_BACKGROUNDS)
    if on_page < MIN_CONTRAST:
        problems.append(
            FieldProblem(
                "brand",
                "low_contrast",
                f"اللون الرئيسي يُستعمل للروابط على خلفية فاتحة وتباينه معها {_ratio_words(on_page, 'ar')}:١ "
                "وأقل ما يُقبل ٤٫٥:١؛ اختر لونًا أغمق.",
                f"The main colour is used for links on a light background, where its contrast is "
                f"{on_page:.2f}:1; at least 4.5:1 is needed. Choose a darker colour.",
            )
        )
    return problems


def logo_png(data: bytes) -> tuple[bytes | None, list[FieldProblem]]:
    """The logo re-encoded as PNG, or why it is refused."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_LOGO_BYTES:
        return None, [
            FieldProblem(
                "logo", "too_large", "الشعار أكبر من ٥١٢ كيلوبايت.", "The logo is larger than 512 KB."
            )
        ]
    wrong = FieldProblem(
        "logo", "unsupported_type", "الشعار صورة PNG أو JPEG فقط.", "The logo must be a PNG or JPEG image."
    )
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        return None, [wrong]
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                return None, [wrong]
            if max(image.size) > MAX_LOGO_SIDE:
                return None, [
                    FieldProblem(
                        "logo",
                        "too_big",
                        "أبعاد الشعار أكبر من ٢٠٠٠ بكسل.",
                        "The logo is larger than 2000 pixels a side.",
                    )
                ]
            image.load()
            clean = image.convert("RGBA")
            out = io.BytesIO()
            clean.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None, [
            FieldProblem("logo", "broken_image", "تعذّر قراءة الصورة.", "The image could not be read.")
        ]
    return out.getvalue(), []


def _cache_key(schema_name: str) -> str:
    return f"sila:theme:{schema_name}"


@dataclass(frozen=True)
class ThemeValues:
    brand: str
    brand_ink: str
    default_language: str
    logo_sha256: str
    revision: int


def theme_for(schema_name: str) -> ThemeValues:
    """The association's theme, cached (saving clears it)."""
    cached = cache.get(_cache_key(schema_name))
    if isinstance(cached, ThemeValues):
        return cached
    row = (
        Theme.objects.filter(schema_name=schema_name)
        .values("brand", "brand_ink", "default_language", "logo_sha256", "revision")
        .first()
    )
    values = ThemeValues(**row) if row else ThemeValues(**DEFAULT, logo_sha256="", revision=0)
    cache.set(_cache_key(schema_name), values, 300)
    return values


@transaction.atomic
def theme_save(
    *,
    schema_name: str,
    brand: str,
    brand_ink: str,
    default_language: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
    revision: int | None = None,
) -> tuple[Theme, dict[str, Any]]:
    """Save the theme after every check; returns it and what changed (for the audit trail).
    ``revision`` is the one the editor saw: a stale one is refused (409), nothing overwritten."""
    brand, brand_ink = (brand or "").strip().lower(), (brand_ink or "").strip().lower()
    problems = colour_problems(brand, brand_ink)
    if default_language not in ("ar", "en"):
        problems.append(FieldProblem("default_language", "invalid_choice", "اختر لغة.", "Choose a language."))
    png = None
    if logo:
        png, logo_problems = logo_png(logo)
        problems += logo_problems
    if problems:
        raise invalid(problems)
    theme, _created = Theme.objects.select_for_update().get_or_create(schema_name=schema_name)
    if revision is not None and revision != theme.revision and not _created:
        raise ServiceError(
            "stale_revision",
            "غيّر شخص آخر المظهر بعد أن فتحته؛ أعد تحميل الصفحة وراجع التغييرات.",
            "Someone else changed the theme after you opened it; reload the page and review the changes.",
            409,
        )
    before = {"brand": theme.brand, "brand_ink": theme.brand_ink, "default_language": theme.default_language}
    before["logo"] = theme.logo_sha256
    theme.brand, theme.brand_ink, theme.default_language = brand, brand_ink, default_language
    if png is not None:
        theme.logo_png = png
        theme.logo_sha256 = hashlib.sha256(png).hexdigest()
    elif remove_logo:
        theme.logo_png, theme.logo_sha256 = b"", ""
    theme.revision = theme.revision + (0 if _created else 1)
    theme.save()
    after = {
        "brand": theme.brand,
        "brand_ink": theme.brand_ink,
        "default_language": theme.default_language,
        "logo": theme.logo_sha256,
    }
    cache.delete(_cache_key(schema_name))
    transaction.on_commit(lambda: cache.delete(_cache_key(schema_name)))
    changes = {k: {"old": before[k], "new": after[k]} for k in after if before[k] != after[k]}
    return theme, changes
