"""Answers the case engine asks of one approved policy version.

``casework`` asks; it applies the answer (and handles closing states such as rejection or
withdrawal itself). The engine only knows the procedure's order: a case moves from one step to
the next one, never skipping or going back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from policy_engine.rules.answers import check_answers, condition_answers
from policy_engine.rules.document import PolicyDocument, ProcedureStep
from policy_engine.rules.durations import Duration, add_duration, parse_duration
from policy_engine.rules.intake import ChecklistEntry, IntakeForm
from policy_engine.rules.validation import FieldError, validate


class PolicyError(Exception):
    """A question the policy cannot answer, or a policy the engine cannot run."""


class UnknownStepError(PolicyError, KeyError):
    """The step is not part of this policy's procedure."""

    def __init__(self, step: str, known: tuple[str, ...]) -> None:
        super().__init__(f"step {step!r} is not in this policy's procedure {list(known)}")
        self.step = step
        self.known = known

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidPolicyError(PolicyError):
    """The document does not validate; ``errors`` says why."""

    def __init__(self, errors: list[FieldError]) -> None:
        summary = "; ".join(f"{error.path}: {error.code}" for error in errors[:5])
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"invalid policy document: {summary}{more}")
        self.errors = errors


def _is_procedure_path(path: str) -> bool:
    return path == "procedure" or path.startswith("procedure[")


class PolicyEngine:
    """The rules of one policy version.

    The procedure must validate (else :class:`InvalidPolicyError`). Problems elsewhere in the
    document (a contact, a label) are the editor's business, not the engine's: a case pinned to an
    approved version must keep running even if validation grows stricter later.
    """

    def __init__(self, document: PolicyDocument) -> None:
        errors = [error for error in validate(document.to_dict()) if _is_procedure_path(error.path)]
        if errors:
            raise InvalidPolicyError(errors)
        self.document = document
        self._steps = document.step_codes()
        self._review = self._require_step("committee_review")
        self._window = parse_duration(self._review.window or "")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyEngine:
        return cls(PolicyDocument.from_dict(data))

    # --- Channels and tools ---

    def allowed_channels(self) -> tuple[str, ...]:
        """Channel codes in the association's own order."""
        return self.document.channel_codes()

    def is_channel_allowed(self, code: str) -> bool:
        return code in self.allowed_channels()

    def staff_tools(self) -> tuple[str, ...]:
        return self.document.staff_tool_codes()

    def staff_acknowledgment_required(self) -> bool:
        return self.document.staff_acknowledgment_required

    # --- The procedure ---

    def steps(self) -> tuple[str, ...]:
        return self._steps

    def has_step(self, step: str) -> bool:
        return step in self._steps

    def first_step(self) -> str:
        return self._steps[0]

    def _index(self, step: str) -> int:
        try:
            return self._steps.index(step)
        except ValueError:
            raise UnknownStepError(step, self._steps) from None

    def _require_step(self, step: str) -> ProcedureStep:
        found = self.document.find_step(step)
        if found is None:
            raise UnknownStepError(step, self._steps)
        return found

    def step(self, step: str) -> ProcedureStep:
        """The step with its parameters; raises :class:`UnknownStepError`."""
        return self._require_step(step)

    def next_step(self, current: str) -> str | None:
        """The step after ``current``, or None after the last one."""
        index = self._index(current)
        return self._steps[index + 1] if index + 1 < len(self._steps) else None

    def can_transition(self, from_step: str, to_step: str) -> bool:
        """Only the very next step is allowed; both steps must be in this procedure."""
        self._index(to_step)
        return self.next_step(from_step) == to_step

    # --- Referral and decision ---

    def referral_target(self) -> str | None:
        """Who an unclear case is referred to, or None when the procedure has no referral step."""
        refer = self.document.find_step("refer")
        return refer.target if refer is not None else None

    def deciding_body(self) -> str:
        return self._review.body or ""

    def review_window(self) -> str:
        """The promised answer time as ISO 8601 (``P1M``, ``P2W``...)."""
        return self._window.isoformat()

    def review_duration(self) -> Duration:
        return self._window

    def review_in_business_days(self) -> bool:
        return bool(self._review.business_days)

    def decision_due(self, submitted_at: datetime) -> datetime:
        """When the deciding body's answer is due for a request submitted at ``submitted_at`` (aware)."""
        return add_duration(submitted_at, self._window, business_days=self.review_in_business_days())

    def is_decision_overdue(self, submitted_at: datetime, *, now: datetime) -> bool:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("is_decision_overdue needs a timezone-aware 'now'")
        return now > self.decision_due(submitted_at)

    # --- What the applicant is asked ---

    def intake_form(self) -> IntakeForm:
        return self.document.intake_form

    def check_intake(self, answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
        """The clean answers to this version's intake form, and every field-level problem."""
        return check_answers(self.document.intake_form, answers)

    def checklist(self, step: str, answers: Mapping[str, Any] | None = None) -> tuple[ChecklistEntry, ...]:
        """The items ``step`` verifies; with ``answers`` (clean intake answers), only those whose
        condition holds for this applicant."""
        items = self.document.checklist(step)
        if answers is None:
            return items
        probe = condition_answers(self.document.intake_form, answers)
        return tuple(item for item in items if item.applies(probe))
