"""Writes about policy versions. Each function is one transaction and leaves an audit row.

One module per job: ``drafts`` (start, save, submit, tool documents), ``approval`` (votes, closing
the vote, paper approvals), ``board`` (members and quorum), ``seats`` (a seat's account:
invite or link), ``acknowledgments`` (staff sign),
``seeds`` (the founding policies)."""

from policy_engine.services._common import approval_dates
from policy_engine.services.acknowledgments import staff_acknowledge
from policy_engine.services.approval import (
    board_vote_cast,
    policy_approval_record_paper,
    policy_version_approve,
)
from policy_engine.services.board import board_member_save, board_quorum_set
from policy_engine.services.drafts import (
    policy_attachment_upload,
    policy_version_create_draft,
    policy_version_submit,
    policy_version_update_draft,
)
from policy_engine.services.seats import board_seat_invite, board_seat_link
from policy_engine.services.seeds import policy_seed_install

__all__ = [
    "approval_dates",
    "board_member_save",
    "board_quorum_set",
    "board_seat_invite",
    "board_seat_link",
    "board_vote_cast",
    "policy_approval_record_paper",
    "policy_attachment_upload",
    "policy_seed_install",
    "policy_version_approve",
    "policy_version_create_draft",
    "policy_version_submit",
    "policy_version_update_draft",
    "staff_acknowledge",
]
