"""Listeners called, inside the writing transaction, after each case event is appended.

Background jobs (reminders before a decision falls due, the satisfaction request after service)
register here, so that they are enqueued in the same transaction as the change that causes
them: if that transaction rolls back, nothing was enqueued::

    @case_event_listener
    def schedule_reminders(event: CaseEvent) -> None:
        if event.to_step == "committee_review":
            ...

A listener must not swallow errors it cannot handle: an exception rolls the change back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from casework.models import CaseEvent

CaseEventListener = Callable[["CaseEvent"], None]

_listeners: list[CaseEventListener] = []


def case_event_listener(func: CaseEventListener) -> CaseEventListener:
    if func not in _listeners:
        _listeners.append(func)
    return func


def remove_case_event_listener(func: CaseEventListener) -> None:
    if func in _listeners:
        _listeners.remove(func)


def case_event_appended(event: CaseEvent) -> None:
    for listener in list(_listeners):
        listener(event)
