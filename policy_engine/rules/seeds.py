"""The five founding associations' policies, as seed data (``policy_engine/seed_profiles/*.json``).

Each file holds ``association`` (identity), ``document`` (a :class:`PolicyDocument` in canonical
JSON form) and ``approval`` (the board approval printed in the source, or null for a draft).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from policy_engine.rules.document import PolicyDocument

SEED_SLUGS: tuple[str, ...] = ("rumaila", "jamoum", "mawsam", "tabuk", "baraa")
_PACKAGE = "policy_engine"
_FOLDER = "seed_profiles"


def load_seed(slug: str) -> dict[str, Any]:
    """A fresh copy of one seed profile; raises ``KeyError`` for a slug not in :data:`SEED_SLUGS`."""
    if slug not in SEED_SLUGS:
        raise KeyError(f"unknown seed profile {slug!r}; expected one of {', '.join(SEED_SLUGS)}")
    text = resources.files(_PACKAGE).joinpath(_FOLDER).joinpath(f"{slug}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_seed_document(slug: str) -> PolicyDocument:
    return PolicyDocument.from_dict(load_seed(slug)["document"])
