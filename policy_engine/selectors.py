"""Reads about policy versions."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from policy_engine.models import (
    ApprovalSignatory,
    BoardMember,
    BoardSettings,
    PolicyAttachment,
    PolicyStatus,
    PolicyVersion,
    StaffAcknowledgment,
    VoteChoice,
)
from policy_engine.rules.catalog import CatalogKind, label
from policy_engine.rules.diff import Change, diff
from policy_engine.rules.document import ChannelEntry, PolicyDocument, StaffToolEntry
from policy_engine.rules.engine import PolicyEngine


def policy_versions() -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.select_related("approval").order_by("-number")


def policy_version_get(*, number: int) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.select_related("approval")
        .prefetch_related(
            Prefetch("approval__signatories", queryset=ApprovalSignatory.objects.order_by("position", "id")),
            "votes__member",
        )
        .filter(number=number)
        .first()
    )


def policy_version_in_force() -> PolicyVersion | None:
    version = (
        PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).values_list("number", flat=True).first()
    )
    return policy_version_get(number=version) if version is not None else None


def attachment_get(*, attachment_id: str) -> PolicyAttachment | None:
    try:
        return PolicyAttachment.objects.filter(pk=uuid.UUID(attachment_id)).first()
    except ValueError:
        return None


def document_references(document: dict[str, Any]) -> set[str]:
    """The attachment ids a policy document points to."""
    return {
        str(entry["document"])
        for entry in document.get("staff_tools", [])
        if isinstance(entry, dict) and entry.get("document")
    }


def quorum_needed() -> int:
    settings = BoardSettings.objects.filter(pk=1).first()
    if settings and settings.quorum:
        return settings.quorum
    active = BoardMember.objects.filter(is_active=True).count()
    return active // 2 + 1


def approving_votes(version: PolicyVersion) -> int:
    return version.votes.filter(choice=VoteChoice.APPROVE).count()


def policy_diff(*, old: PolicyVersion, new: PolicyVersion) -> list[Change]:
    return diff(PolicyDocument.from_dict(old.document), PolicyDocument.from_dict(new.document))


def _entry_labels(kind: CatalogKind, entries: list[Any]) -> list[dict[str, str]]:
    """Each entry with both labels: its own wording if the policy gives one (a standard code may
    carry it, e.g. Mawsam's support request with only a note), else the catalogue's."""
    parse = ChannelEntry.from_dict if kind is CatalogKind.CHANNEL else StaffToolEntry.from_dict
    out = []
    for raw in entries:
        entry = parse(raw)
        item = {"code": entry.code, "label_ar": entry.label("ar"), "label_en": entry.label("en")}
        if isinstance(entry, StaffToolEntry):
            for key in ("document", "note_ar", "note_en"):
                if getattr(entry, key):
                    item[key] = getattr(entry, key)
        out.append(item)
    return out


def approval_payload(version: PolicyVersion) -> dict[str, Any] | None:
    approval = getattr(version, "approval", None)
    if approval is None:
        return None
    return {
        "method": approval.method,
        "meeting_number": approval.meeting_number or None,
        "term": approval.term or None,
        "session": approval.session or None,
        "date_gregorian": approval.date_gregorian.isoformat(),
        "date_hijri": approval.date_hijri,
        "signatories": [
            {"name": s.name, "role": s.role_ar, "role_en": s.role_en} for s in approval.signatories.all()
        ],
        "has_scan": bool(approval.scan),
    }


def policy_payload(*, association: Any, version: PolicyVersion) -> dict[str, Any]:
    """The version as the public JSON the effective-policy endpoint and page present."""
    document = version.document
    engine = PolicyEngine.from_dict(document)
    term = document.get("beneficiary_term", "beneficiary")
    return {
        "association": {
            "slug": association.slug,
            "name_ar": association.name_ar,
            "name_en": association.name_en,
            "licence_number": association.licence_number or None,
        },
        "version": version.number,
        "status": version.status,
        "in_force_from": version.in_force_from.isoformat() if version.in_force_from else None,
        "beneficiary_term": {
            "code": term,
            "label_ar": label(CatalogKind.BENEFICIARY_TERM, term, "ar"),
            "label_en": label(CatalogKind.BENEFICIARY_TERM, term, "en"),
        },
        "channels": _entry_labels(CatalogKind.CHANNEL, document.get("channels", [])),
        "staff_tools": _entry_labels(CatalogKind.STAFF_TOOL, document.get("staff_tools", [])),
        "procedure": [dict(step) for step in document.get("procedure", [])],
        "review_window": engine.review_window(),
        "referral_target": engine.referral_target(),
        "deciding_body": engine.deciding_body(),
        "staff_acknowledgment_required": engine.staff_acknowledgment_required(),
        "decision_reason_shared": bool(document.get("decision_reason_shared")),
        "contacts": document.get("contacts", []),
        "bank_accounts": document.get("bank_accounts", []),
        "board_approval": approval_payload(version),
        **intake_payload(engine),
    }


def intake_payload(engine: PolicyEngine) -> dict[str, Any]:
    """The version's intake form and checklists, every field and item with its code and type, so
    that a client can build the form; a document always lists the file types it may be."""
    document = engine.document
    return {
        "intake_form": document.intake_form.to_dict(),
        "checklists": {
            step: [
                item.to_dict()
                | ({"file_types": list(item.accepted_types())} if item.kind == "document" else {})
                for item in items
            ]
            for step, items in document.checklists
        },
    }


def acknowledgment_status(*, version: PolicyVersion) -> dict[str, list[dict[str, Any]]]:
    signed = {
        ack.user_id: ack for ack in StaffAcknowledgment.objects.filter(version=version).select_related("user")
    }
    staff = User.objects.filter(is_active=True, is_staff=True).order_by("full_name", "email")
    result: dict[str, list[dict[str, Any]]] = {"signed": [], "pending": []}
    for user in staff:
        ack = signed.get(user.pk)
        row = {"user_id": user.pk, "email": user.email, "full_name": user.full_name}
        if ack:
            row |= {"signed_name": ack.signed_name, "acknowledged_at": ack.acknowledged_at.isoformat()}
            result["signed"].append(row)
        else:
            result["pending"].append(row)
    return result


def versions_awaiting_signature(*, user: Any) -> list[PolicyVersion]:
    """The version in force, when its policy asks staff to sign it and this staff member has not
    (one query; none for anyone who is not staff)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return []
    version = (
        PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE)
        .exclude(acknowledgments__user=user)
        .order_by("-number")
        .first()
    )
    if version is None or not version.document.get("staff_acknowledgment_required"):
        return []
    return [version]


def versions_awaiting_vote(*, user: Any) -> list[PolicyVersion]:
    """Versions submitted to the board that this member has not voted on yet (none for a user
    with no active seat)."""
    member = BoardMember.objects.filter(user=user, is_active=True).first()
    if member is None:
        return []
    return list(
        PolicyVersion.objects.filter(status=PolicyStatus.SUBMITTED)
        .exclude(votes__member=member)
        .order_by("submitted_at", "number")
    )
