"""The founding associations' policies installed as first versions, with their approval as printed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from policy_engine.models import BoardMember, PolicyVersion
from policy_engine.rules.seeds import load_seed
from policy_engine.services.approval import policy_approval_record_paper
from policy_engine.services.board import board_role_from_title
from policy_engine.services.drafts import policy_version_create_draft, policy_version_submit


@transaction.atomic
def policy_seed_install(*, slug: str) -> PolicyVersion:
    """Load one of the five founding policies as this association's first version, with its board
    approval as printed (or, with none printed, submitted and waiting for the board). Idempotent."""
    existing = PolicyVersion.objects.order_by("number").first()
    if existing is not None:
        return existing
    seed = load_seed(slug)
    approval = seed.get("approval")
    if approval:
        for s in approval["signatories"]:
            BoardMember.objects.get_or_create(
                name_ar=s["name"], defaults={"role": board_role_from_title(s.get("role_en", ""))}
            )
    version = policy_version_create_draft(actor=None, document=seed["document"])
    if not approval:
        return policy_version_submit(actor=None, number=version.number)
    policy_approval_record_paper(
        actor=None,
        number=version.number,
        signatories=[
            {"name": s["name"], "role_ar": s["role_ar"], "role_en": s.get("role_en", "")}
            for s in approval["signatories"]
        ],
        meeting_number=approval.get("meeting_number") or "",
        term=approval.get("term") or "",
        session=approval.get("session") or "",
        date_gregorian=dt.date.fromisoformat(approval["date_gregorian"])
        if approval.get("date_gregorian")
        else None,
        date_hijri=approval.get("date_hijri"),
        note=approval.get("note") or "",
        signatories_printed=bool(approval["signatories"]),
    )
    version.refresh_from_db()
    return version
