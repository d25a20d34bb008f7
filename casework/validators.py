"""The registry's checks of a person's ID number, mobile number and name. They are pure rules the
intake form's answers need as well, so they live in ``policy_engine.rules.identity``; this module
keeps the names casework has always imported."""

from policy_engine.rules.identity import (
    InvalidValue,
    arabic_normalize,
    ascii_digits,
    has_arabic_letters,
    luhn_valid,
    name_search_form,
    name_tokens,
    names_similar,
    national_id_kind,
    national_id_normalize,
    phone_normalize,
    search_terms,
)

__all__ = [
    "InvalidValue",
    "arabic_normalize",
    "ascii_digits",
    "has_arabic_letters",
    "luhn_valid",
    "name_search_form",
    "name_tokens",
    "names_similar",
    "national_id_kind",
    "national_id_normalize",
    "phone_normalize",
    "search_terms",
]
