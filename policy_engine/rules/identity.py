"""Pure checks and normalisations of who a person is: national ID or iqama, mobile number, names (no Django).

Each ``*_normalize`` function returns the canonical form or raises :class:`InvalidValue` with a
code and a message in Arabic and English; the services turn that into a field-level error.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Arabic-Indic (٠-٩) and Persian/Urdu (۰-۹) digits, as typed on Arabic and Persian keyboards.
_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹",
    "01234567890123456789",
)


class InvalidValue(ValueError):
    def __init__(self, code: str, message_ar: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_ar = message_ar
        self.message_en = message_en


def ascii_digits(value: str) -> str:
    """``value`` with Arabic-Indic and Persian digits replaced by ASCII ones."""
    return value.translate(_DIGITS)


_SEPARATORS = re.compile(r"[\s\-‐-―_.()/]+")


def _compact(value: str) -> str:
    # Bidi marks sneak in when a number is copied from an RTL text.
    cleaned = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    return _SEPARATORS.sub("", ascii_digits(cleaned.strip()))


# --- National ID / iqama ------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def national_id_normalize(value: str) -> str:
    """A Saudi national ID (starts with 1) or iqama number (starts with 2): ten digits, the last a
    Luhn check digit. Arabic-Indic digits, spaces and dashes are accepted and removed."""
    digits = _compact(value or "")
    if not digits:
        raise InvalidValue("required", "رقم الهوية مطلوب.", "The ID number is required.")
    if not digits.isascii() or not digits.isdigit() or len(digits) != 10:
        raise InvalidValue(
            "invalid_length",
            "رقم الهوية أو الإقامة عشرة أرقام.",
            "A national ID or iqama number has exactly ten digits.",
        )
    if digits[0] not in "12":
        raise InvalidValue(
            "invalid_prefix",
            "يبدأ رقم الهوية الوطنية بـ ١ ورقم الإقامة بـ ٢.",
            "A national ID starts with 1 and an iqama number with 2.",
        )
    if not luhn_valid(digits):
        raise InvalidValue(
            "invalid_checksum",
            "رقم الهوية غير صحيح (رقم التحقق لا يطابق)؛ راجع الأرقام.",
            "This ID number is not valid (its check digit does not match); check the digits.",
        )
    return digits


def national_id_kind(national_id: str) -> str:
    """``citizen`` for a national ID, ``resident`` for an iqama number."""
    return "citizen" if national_id.startswith("1") else "resident"


# --- Saudi mobile numbers -----------------------------------------------------------------------


def phone_normalize(value: str) -> str:
    """A Saudi mobile number in E.164 (``+9665XXXXXXXX``), from the ways people write it:
    ``05XXXXXXXX``, ``5XXXXXXXX``, ``9665…``, ``009665…``, ``+9665…``, in any digits."""
    raw = _compact(value or "")
    if not raw:
        raise InvalidValue("required", "رقم الجوال مطلوب.", "The mobile number is required.")
    number = raw
    if number.startswith("+"):
        number = number[1:]
    elif number.startswith("00"):
        number = number[2:]
    if number.isascii() and number.isdigit():
        if number.startswith("966"):
            number = number[3:]
        if number.startswith("0"):
            number = number[1:]
        if len(number) == 9 and number.startswith("5"):
            return f"+966{number}"
    raise InvalidValue(
        "invalid_phone",
        "رقم الجوال السعودي يبدأ بـ 05 ويتكون من عشرة أرقام (مثل 0512345678).",
        "A Saudi mobile number starts with 05 and has ten digits (e.g. 0512345678).",
    )


# --- Arabic names -------------------------------------------------------------------------------

# Harakat and other marks (U+064B-U+065F), the superscript alef (U+0670) and Quranic annotation
# marks (U+06D6-U+06ED): they change how a name is read, not which name it is.
_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ؤ": "و",
        "ئ": "ي",
        "ی": "ي",  # Persian yeh
        "ک": "ك",  # Persian kaf
    }
)
_SPACES = re.compile(r"\s+")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def arabic_normalize(text: str) -> str:
    """The form names are stored and searched in: no diacritics or tatweel, one alef, ta marbuta
    as ha, alef maqsura as ya, hamza carriers unified, ASCII digits, lower case, single spaces."""
    value = unicodedata.normalize("NFC", text or "")
    value = _MARKS.sub("", value).replace(_TATWEEL, "")
    value = ascii_digits(value.translate(_LETTERS)).casefold()
    return _SPACES.sub(" ", value).strip()


def has_arabic_letters(text: str) -> bool:
    return bool(_ARABIC_LETTER.search(text or ""))


# Connectors that a name may carry or omit without being another person's ("son of", "daughter of").
_CONNECTORS = frozenset({"بن", "ابن", "بنت"})
_ABD = re.compile(r"(?:^|(?<=\s))عبد\s+")


def name_tokens(name: str) -> list[str]:
    """The words of a normalised name, with «عبد الله» written as one word and «بن» dropped."""
    normalized = _ABD.sub("عبد", arabic_normalize(name))
    return [token for token in normalized.split(" ") if token and token not in _CONNECTORS]


def names_similar(a: str, b: str, *, threshold: float = 0.85) -> bool:
    """Likely the same person's name: the same words, one name's words all in the other (two
    words at least), or nearly the same letters (a typo)."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    shorter = min(len(ta), len(tb))
    if shorter >= 2 and len(set(ta) & set(tb)) >= shorter:
        return True
    return SequenceMatcher(None, " ".join(ta), " ".join(tb)).ratio() >= threshold


_NOT_WORD = re.compile(r"[^\w\s]")


def name_search_form(name: str) -> str:
    """What the registry stores to search a name by: its normalised words, space-separated."""
    return " ".join(name_tokens(name))


def search_terms(query: str) -> list[str]:
    """The words of a search, in the stored names' form, without any tsquery operator."""
    return name_tokens(_NOT_WORD.sub(" ", arabic_normalize(query)).replace("_", " "))
