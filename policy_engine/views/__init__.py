"""Policy screens: the public page and PDF, and the staff/board screens (list, read, edit with live
validation, diff, vote, approve, record a paper approval, acknowledgments), one module per screen group."""

from policy_engine.views.board import board
from policy_engine.views.common import STAFF_ROLES, staff_required
from policy_engine.views.edit import version_edit
from policy_engine.views.public import policy_document, public_policy, public_policy_pdf
from policy_engine.views.versions import (
    approval_date,
    version_acknowledge,
    version_acknowledgments,
    version_approve,
    version_detail,
    version_diff,
    version_from_template,
    version_list,
    version_new_draft,
    version_pdf,
    version_record_approval,
    version_submit,
    version_vote,
)

__all__ = [
    "STAFF_ROLES",
    "approval_date",
    "board",
    "policy_document",
    "public_policy",
    "public_policy_pdf",
    "staff_required",
    "version_acknowledge",
    "version_acknowledgments",
    "version_approve",
    "version_detail",
    "version_diff",
    "version_edit",
    "version_from_template",
    "version_list",
    "version_new_draft",
    "version_pdf",
    "version_record_approval",
    "version_submit",
    "version_vote",
]
