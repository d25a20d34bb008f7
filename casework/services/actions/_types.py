"""What an action handler receives and returns, and the rule that offers it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from accounts.models import User
from casework.models import (
    SupportCase,
)
from casework.services.actions.inputs import ActionInput
from policy_engine.rules.engine import PolicyEngine

# --- cases: the one transition function ---------------------------------------------------------


@dataclass
class ActionContext:
    """Who acts on which case under which pinned policy, and when. The action's own values come
    to the handler beside it, typed (see ``casework.services.actions.inputs``)."""

    actor: User | None
    roles: frozenset[str]
    case: SupportCase
    engine: PolicyEngine
    now: dt.datetime


@dataclass
class Applied:
    to_step: str | None = None  # the step the case moves to; None: it stays
    close: str | None = None  # the outcome the case closes with
    reason: str = ""
    event: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)  # other case fields the action set


InputT = TypeVar("InputT", bound=ActionInput)


@dataclass(frozen=True)
class ActionRule(Generic[InputT]):
    """Who may take an action, at which steps, the input it declares and the handler given it."""

    roles: tuple[str, ...]
    steps: tuple[str, ...] | None  # None: at any step of an open case
    input: type[InputT]
    handler: Callable[[ActionContext, InputT], Applied]

    def apply(self, ctx: ActionContext, data: dict[str, object]) -> Applied:
        """Parse the transport once, then hand the typed input to the handler."""
        return self.handler(ctx, self.input.parse(data))
