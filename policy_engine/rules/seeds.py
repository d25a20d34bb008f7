"""The five founding associations' policies, as seed data (``policy_engine/seed_profiles/*.json``).

Each file holds ``association`` (identity), ``document`` (a :class:`PolicyDocument` in canonical
JSON form) and ``approval`` (the board approval printed in the source, or null for a draft).

The printed policies do not list what an applicant is asked: a seed's intake form and checklists
come from its sector's template (:mod:`policy_engine.rules.sector_templates`), unless the seed
file gives its own.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from policy_engine.rules.document import PolicyDocument
from policy_engine.rules.sector_templates import sector_template

SEED_SLUGS: tuple[str, ...] = ("rumaila", "jamoum", "mawsam", "tabuk", "baraa")
_PACKAGE = "policy_engine"
_FOLDER = "seed_profiles"


def load_seed(slug: str) -> dict[str, Any]:
    """A fresh copy of one seed profile; raises ``KeyError`` for a slug not in :data:`SEED_SLUGS`."""
    if slug not in SEED_SLUGS:
        raise KeyError(f"unknown seed profile {slug!r}; expected one of {', '.join(SEED_SLUGS)}")
    text = resources.files(_PACKAGE).joinpath(_FOLDER).joinpath(f"{slug}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    document = data["document"]
    if "intake_form" not in document or "checklists" not in document:
        template = sector_template(
            data["association"]["sector"],
            steps=tuple(step["step"] for step in document["procedure"]),
            staff_tools=tuple(
                t if isinstance(t, str) else t["code"] for t in document.get("staff_tools", [])
            ),
        )
        document.setdefault("intake_form", template["intake_form"])
        document.setdefault("checklists", template["checklists"])
    return data


def load_seed_document(slug: str) -> PolicyDocument:
    return PolicyDocument.from_dict(load_seed(slug)["document"])
