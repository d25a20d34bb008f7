"""Writes about beneficiaries and cases. Each function is one transaction and leaves an audit row.

One module per aggregate: ``registry`` and ``duplicates`` (beneficiaries), ``cases`` (opening a
case and the one transition function, ``case_transition``), ``actions`` (the handlers of each
step's actions, grouped by step), ``committee``, ``ratings`` and ``tokens``. Every public name is
re-exported here, so ``from casework import services; services.case_open(...)`` keeps working.

``actor=None`` means the system (demo data, management commands): no role is checked.
"""

from casework.services.actions import ACTIONS
from casework.services.cases import (
    action_possible,
    case_attest_on_application,
    case_available_actions,
    case_open,
    case_transition,
)
from casework.services.committee import committee_quorum_set
from casework.services.duplicates import duplicate_dismiss, duplicate_merge
from casework.services.ratings import satisfaction_record
from casework.services.registry import (
    LIKELY_DUPLICATE,
    beneficiary_document_upload,
    beneficiary_register,
    beneficiary_update,
)
from casework.services.tokens import TOKEN_PREFIX, api_token_authenticate, api_token_create, api_token_revoke

__all__ = [
    "ACTIONS",
    "LIKELY_DUPLICATE",
    "TOKEN_PREFIX",
    "action_possible",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "beneficiary_document_upload",
    "beneficiary_register",
    "beneficiary_update",
    "case_attest_on_application",
    "case_available_actions",
    "case_open",
    "case_transition",
    "committee_quorum_set",
    "duplicate_dismiss",
    "duplicate_merge",
    "satisfaction_record",
]
