"""Saudi IBAN validation (ISO 13616): ``SA`` + 2 check digits + 2-digit bank code + 18-digit account."""

from __future__ import annotations

import re

SAUDI_IBAN_LENGTH = 24
_SAUDI_IBAN = re.compile(r"SA[0-9]{22}", re.ASCII)


def _mod97(iban: str) -> int:
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97


def normalize_iban(text: str) -> str:
    """Drop all whitespace and upper-case the letters; no validity check."""
    return "".join(text.split()).upper()


def validate_iban(text: str) -> str | None:
    """Return the normalised Saudi IBAN (``SA`` + 22 digits) if ``text`` is one, else ``None``.

    Spaces are ignored and letters may be lower case; the ISO 13616 mod-97 check must hold.
    """
    if not isinstance(text, str):
        return None
    candidate = normalize_iban(text)
    if _SAUDI_IBAN.fullmatch(candidate) is None:
        return None
    return candidate if _mod97(candidate) == 1 else None


def format_iban(iban: str) -> str:
    """Group a normalised IBAN in blocks of four, as banks print it."""
    compact = normalize_iban(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 13616 check digits for ``country`` + ``bban`` (used to build test fixtures)."""
    probe = f"{country.upper()}00{normalize_iban(bban)}"
    return f"{98 - _mod97(probe):02d}"
