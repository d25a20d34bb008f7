"""The staff screens of casework, one module per area: the inbox, the case page, the committee's
queue, the beneficiary registry and opening a request; ``presenter`` holds how things are shown
(shared with the portal and the API).

Thin, like the API: read with the selectors, write with the services, and turn a service's
refusal into field errors in the employee's language on the very form they sent, with what they
typed.
"""

from casework.views._base import staff_screen
from casework.views.beneficiary_edit import beneficiary_edit
from casework.views.case_page import case_detail
from casework.views.committee import committee_queue
from casework.views.inbox import inbox, satisfaction
from casework.views.presenter import payload_view
from casework.views.registry import beneficiary_detail, beneficiary_document, beneficiary_list, duplicate_list
from casework.views.requests import case_new

__all__ = [
    "beneficiary_detail",
    "beneficiary_document",
    "beneficiary_edit",
    "beneficiary_list",
    "case_detail",
    "case_new",
    "committee_queue",
    "duplicate_list",
    "inbox",
    "payload_view",
    "satisfaction",
    "staff_screen",
]
