"""What an action handler receives and returns, and the rule that offers it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from casework.models import (
    SupportCase,
)
from policy_engine.rules.engine import PolicyEngine

# --- cases: the one transition function ---------------------------------------------------------


@dataclass
class ActionContext:
    actor: User | None
    roles: frozenset[str]
    case: SupportCase
    engine: PolicyEngine
    data: Mapping[str, Any]
    now: dt.datetime


@dataclass
class Applied:
    to_step: str | None = None  # the step the case moves to; None: it stays
    close: str | None = None  # the outcome the case closes with
    reason: str = ""
    event: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)  # other case fields the action set


Handler = Callable[[ActionContext], Applied]


@dataclass(frozen=True)
class ActionRule:
    roles: tuple[str, ...]
    steps: tuple[str, ...] | None  # None: at any step of an open case
    handler: Handler
