from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from themes.dates import format_hijri, from_hijri, to_hijri
from themes.templatetags.sila import dual_date

pytestmark = pytest.mark.django_db


def test_arabic_right_to_left_is_the_default(client_a: Client) -> None:
    body = client_a.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in body
    assert "تسجيل الدخول" in body  # "Sign in", translated


def test_english_is_switchable(client_a: Client) -> None:
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client_a.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in body
    assert "Sign in" in body


def test_the_arabic_webfont_is_shipped_not_fetched(client_a: Client) -> None:
    body = client_a.get("/").content.decode()
    assert "fonts.googleapis" not in body and "cdn" not in body.lower()
    from django.contrib.staticfiles import finders

    assert finders.find("sila/fonts/noto-sans-arabic-arabic-400-normal.woff2")
    assert finders.find("sila/css/sila.css")


@pytest.mark.parametrize(
    ("gregorian", "hijri"),
    [
        (dt.date(2021, 12, 19), (1443, 5, 15)),  # Rumaila's approval
        (dt.date(2024, 3, 6), (1445, 8, 25)),  # Jamoum's
        (dt.date(2020, 10, 5), (1442, 2, 18)),  # Mawsam's
        (dt.date(2024, 10, 13), (1446, 4, 10)),  # Bara'a's
    ],
)
def test_umm_al_qura_conversion_matches_the_seed_approvals(
    gregorian: dt.date, hijri: tuple[int, int, int]
) -> None:
    h = to_hijri(gregorian)
    assert (h.year, h.month, h.day) == hijri
    assert from_hijri(*hijri) == gregorian


def test_a_hijri_date_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError):
        from_hijri(1445, 13, 1)
    with pytest.raises(ValueError):
        from_hijri(1445, 1, 30)  # Muharram 1445 had 29 days (Umm al-Qura)


def test_dates_are_shown_hijri_beside_gregorian() -> None:
    with translation.override("ar"):
        assert format_hijri(dt.date(2024, 3, 6)) == "٢٥ شعبان ١٤٤٥ هـ"
        assert dual_date(dt.date(2024, 3, 6)).startswith("٢٥ شعبان ١٤٤٥ هـ — ")
        # One kind of digit: the Gregorian half in Arabic-Indic digits too.
        assert dual_date(dt.date(2024, 3, 6)).endswith("٦ مارس، ٢٠٢٤")
    with translation.override("en"):
        assert dual_date(dt.date(2024, 3, 6)) == "25 Shaban 1445 AH — March 6, 2024"


def test_the_arabic_catalogue_is_complete_and_compiled(tmp_path: object) -> None:
    from pathlib import Path

    import polib  # type: ignore[import-untyped,unused-ignore]  # flagged or not by mypy depending on its cache

    po_path = Path(__file__).resolve().parents[1] / "themes" / "locale" / "ar" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(po_path))
    assert catalogue.percent_translated() == 100, [e.msgid for e in catalogue.untranslated_entries()]
    assert not catalogue.fuzzy_entries()
    compiled = Path(str(tmp_path)) / "django.mo"
    catalogue.save_as_mofile(str(compiled))
    assert compiled.read_bytes() == po_path.with_suffix(".mo").read_bytes(), "run `make messages`"
