"""National IDs, mobile numbers and Arabic names: pure functions, table-driven, no database."""

from __future__ import annotations

import pytest

from casework.validators import (
    InvalidValue,
    arabic_normalize,
    name_search_form,
    names_similar,
    national_id_kind,
    national_id_normalize,
    phone_normalize,
    search_terms,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1012345672", "1012345672"),
        ("1123456780", "1123456780"),
        ("2234567895", "2234567895"),  # an iqama number
        ("1000000008", "1000000008"),
        (" 1012 345 672 ", "1012345672"),
        ("1012-345-672", "1012345672"),
        ("١٠١٢٣٤٥٦٧٢", "1012345672"),  # Arabic-Indic digits
        ("۱۰۱۲۳۴۵۶۷۲", "1012345672"),  # Persian digits
        ("\u200f١٠١٢٣٤٥٦٧٢\u200f", "1012345672"),  # with the RTL marks a copy from Arabic text carries
    ],
)
def test_valid_national_ids_are_normalised_to_ascii(raw: str, expected: str) -> None:
    assert national_id_normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("101234567", "invalid_length"),
        ("10123456720", "invalid_length"),
        ("10123456a2", "invalid_length"),
        ("3012345672", "invalid_prefix"),
        ("0012345672", "invalid_prefix"),
        ("1012345673", "invalid_checksum"),
        ("١٠١٢٣٤٥٦٧٣", "invalid_checksum"),
        ("2234567890", "invalid_checksum"),
    ],
)
def test_invalid_national_ids_say_why(raw: str, code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        national_id_normalize(raw)
    assert caught.value.code == code
    assert caught.value.message_ar and caught.value.message_en


def test_national_id_kind() -> None:
    assert national_id_kind("1012345672") == "citizen"
    assert national_id_kind("2234567895") == "resident"


@pytest.mark.parametrize(
    "raw",
    [
        "0512345678",
        "512345678",
        "966512345678",
        "+966512345678",
        "00966512345678",
        "+966 51 234 5678",
        "051-234-5678",
        "(051) 234 5678",
        "٠٥١٢٣٤٥٦٧٨",
        "+٩٦٦٥١٢٣٤٥٦٧٨",
        "۰۵۱۲۳۴۵۶۷۸",
    ],
)
def test_saudi_mobiles_become_e164(raw: str) -> None:
    assert phone_normalize(raw) == "+966512345678"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("0112345678", "invalid_phone"),  # a Riyadh landline
        ("05123456789", "invalid_phone"),
        ("051234567", "invalid_phone"),
        ("+971512345678", "invalid_phone"),  # the UAE
        ("+96605123456", "invalid_phone"),
        ("05-abc-5678", "invalid_phone"),
    ],
)
def test_invalid_phones_say_why(raw: str, code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        phone_normalize(raw)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمنة", "امنه"),
        ("ٱلرحمن", "الرحمن"),
        ("فاطمة", "فاطمه"),
        ("مصطفى", "مصطفي"),
        ("مؤمن", "مومن"),
        ("هانئ", "هاني"),
        ("مُحَمَّدٌ", "محمد"),  # diacritics
        ("محـــمد", "محمد"),  # tatweel
        ("  عبد   الله  ", "عبد الله"),
        ("Sara ALI", "sara ali"),
        ("حصة ٢", "حصه 2"),
    ],
)
def test_arabic_normalisation(raw: str, expected: str) -> None:
    assert arabic_normalize(raw) == expected


def test_search_form_joins_abd_and_drops_bin() -> None:
    assert name_search_form("مُحمَّد بن عبد الله الحمّاد") == "محمد عبدالله الحماد"
    assert search_terms("عبدُ الله (الحماد)") == ["عبدالله", "الحماد"]
    assert search_terms("a & b | !c:*") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        ("محمد عبدالله الحماد", "مُحمّد بن عبد الله الحماد", True),
        ("فاطمة علي", "فاطمه علي", True),
        ("نورة سعد القحطاني", "نوره سعد", True),  # one name's words all in the other
        ("عبدالرحمن خالد العتيبي", "عبدالرحمن خالد العتيبى", True),
        ("خالد سعد", "منى أحمد", False),
        ("محمد علي", "محمد سالم", False),
        ("", "محمد", False),
    ],
)
def test_names_similar(a: str, b: str, similar: bool) -> None:
    assert names_similar(a, b) is similar
