"""The access log's writer: every read of a beneficiary's record, request or document by staff,
and every export, with who, what, when and through which screen or API operation; and every page
of a list that shows beneficiaries' data, as one row naming the records on it."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework.privacy.models import AccessAction, AccessLogEntry

# Where a list was shown, in the admin's words (the log keeps the code).
LIST_VIA: dict[str, Promise] = {
    "screen:inbox": _("the inbox"),
    "screen:beneficiaries": _("the beneficiary registry"),
    "screen:committee": _("the committee's queue"),
    "api:cases": _("the API's list of requests"),
    "api:beneficiaries": _("the API's beneficiary list"),
    "screen:new-request": _("the new request's search"),
    "screen:duplicates": _("the list of possible duplicates"),
    "api:duplicates": _("the API's list of possible duplicates"),
}


def access_log_record(
    *,
    user: User,
    via: str,
    beneficiary_id: int | None,
    case_id: int | None = None,
    document_id: int | None = None,
    action: str = AccessAction.VIEW,
) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        user_id=user.pk,
        user_email=user.email,
        action=action,
        beneficiary_id=beneficiary_id,
        case_id=case_id,
        document_id=document_id,
        via=via[:120],
    )


def access_log_list(
    *, user: User, via: str, beneficiary_ids: Iterable[int], case_ids: Iterable[int] = ()
) -> AccessLogEntry | None:
    """Log one page of a list: one insert with the ids of the records (and requests) it showed,
    however long the page. A page that showed no one is not a read of anyone's data: no row."""
    people = list(dict.fromkeys(beneficiary_ids))
    if not people:
        return None
    return AccessLogEntry.objects.create(
        user_id=user.pk,
        user_email=user.email,
        action=AccessAction.LIST,
        listed_beneficiaries=people,
        listed_cases=list(dict.fromkeys(case_ids)),
        via=via[:120],
    )
