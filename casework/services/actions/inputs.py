"""Typed action input: each action declares its input once, as a frozen dataclass whose fields say
how a value is read (text, a choice, a yes/no, a record id, an amount, a date), and is parsed once.

``case_transition`` calls :meth:`ActionInput.parse` on the transport (the API's JSON ``data``, a
screen form's cleaned values, the portal's POST): a value of the wrong type, a required field left
empty, a choice not offered, a text too long or a field the action does not take are each a
field-level problem in both languages, all of them at once, and nothing is done. The handler then
receives the typed instance. The screens' forms and the API's serializer carry the values only: a
form reads its select options and its maximum lengths from the same declaration (:func:`spec_of`).

Rules that need the case (does this item exist, did the committee reach quorum) stay with the
handler; rules across the input's own fields go in :meth:`ActionInput.problems`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Self

from casework.services._base import field_problem
from core.errors import FieldProblem, invalid

Messages = tuple[str, str]  # Arabic, English


class _Refused(Exception):
    def __init__(self, code: str, messages: Messages) -> None:
        self.code, self.messages = code, messages


@dataclass(frozen=True)
class Spec:
    """How one input field is read. ``choices``: (code, label) pairs, the labels for the screens."""

    kind: str  # text | choice | flag | id | me_or_id | amount | date
    required: bool = False
    max_length: int | None = None
    choices: tuple[tuple[str, Any], ...] = ()
    default: Any = None
    invalid: Messages | None = None  # the message for a value of the wrong type or not offered
    invalid_code: str = ""
    pattern_ascii_code: bool = False  # Latin letters, digits, "_" and "-" only
    not_future: bool = False

    def read(self, raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip() and self.kind != "text"):
            if self.required:
                raise _Refused("required", ("هذا الحقل مطلوب.", "This field is required."))
            return self.default
        return getattr(self, f"_read_{self.kind}")(raw)

    def _bad(self, fallback_code: str, fallback: Messages) -> _Refused:
        return _Refused(self.invalid_code or fallback_code, self.invalid or fallback)

    def _read_text(self, raw: Any) -> str:
        if not isinstance(raw, str):
            raise self._bad("invalid_text", ("نص مطلوب هنا.", "Text is expected here."))
        value = raw.strip()
        if not value and self.required:
            raise _Refused("required", ("هذا الحقل مطلوب.", "This field is required."))
        if self.max_length is not None and len(value) > self.max_length:
            raise _Refused(
                "too_long",
                (
                    f"النص أطول من {self.max_length} حرفًا.",
                    f"Use at most {self.max_length} characters.",
                ),
            )
        if (
            value
            and self.pattern_ascii_code
            and not (value.isascii() and value.replace("_", "").replace("-", "").isalnum())
        ):
            raise self._bad(
                "invalid_code", ("رمز من حروف لاتينية وأرقام.", "A code of Latin letters and digits.")
            )
        return value

    def _read_choice(self, raw: Any) -> str:
        if not isinstance(raw, str) or raw not in {code for code, _label in self.choices}:
            raise self._bad("invalid_choice", ("اختر أحد الخيارات المعروضة.", "Choose one of the options."))
        return raw

    def _read_flag(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "on", "yes", "1"):
            return True
        if isinstance(raw, str) and raw.strip().lower() in ("false", "off", "no", "0"):
            return False
        raise self._bad("invalid_boolean", ("أجب بنعم أو لا.", "Answer yes or no."))

    def _read_id(self, raw: Any) -> int:
        if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw < 2**63:
            return raw
        if isinstance(raw, str) and raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63:
            return int(raw)
        raise self._bad("invalid_id", ("رقم سجل غير صحيح.", "Not a valid record number."))

    def _read_me_or_id(self, raw: Any) -> int | str:
        return "me" if raw == "me" else self._read_id(raw)

    def _read_amount(self, raw: Any) -> Decimal:
        try:
            if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
                raise InvalidOperation
            amount = Decimal(str(raw).strip())
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
                raise InvalidOperation
        except InvalidOperation:
            raise self._bad("invalid_amount", ("مبلغ غير صحيح.", "Not a valid amount.")) from None
        return amount.quantize(Decimal("0.01"))

    def _read_date(self, raw: Any) -> dt.date:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            value = raw
        else:
            try:
                value = dt.date.fromisoformat(str(raw).strip())
            except ValueError:
                raise self._bad("invalid_date", ("تاريخ غير صحيح.", "Not a valid date.")) from None
        if self.not_future:
            from django.utils import timezone

            if value > timezone.localdate():
                raise _Refused("in_future", ("التاريخ في المستقبل.", "The date is in the future."))
        return value


def text(*, required: bool = False, max_length: int | None = None, **more: Any) -> Any:
    return dataclasses.field(
        default="", metadata={"spec": Spec("text", required, max_length, default="", **more)}
    )


def choice(choices: tuple[tuple[str, Any], ...], *, required: bool = False, **more: Any) -> Any:
    default = more.pop("default", None)
    spec = Spec("choice", required, choices=choices, default=default, **more)
    return dataclasses.field(default=default, metadata={"spec": spec})


def flag(*, default: bool = False, **more: Any) -> Any:
    return dataclasses.field(default=default, metadata={"spec": Spec("flag", default=default, **more)})


def record_id(*, required: bool = False, **more: Any) -> Any:
    return dataclasses.field(default=None, metadata={"spec": Spec("id", required, **more)})


def me_or_id(**more: Any) -> Any:
    return dataclasses.field(default=None, metadata={"spec": Spec("me_or_id", **more)})


def money(**more: Any) -> Any:
    return dataclasses.field(default=None, metadata={"spec": Spec("amount", **more)})


def day(*, not_future: bool = False, **more: Any) -> Any:
    return dataclasses.field(default=None, metadata={"spec": Spec("date", not_future=not_future, **more)})


@dataclass(frozen=True)
class ActionInput:
    """The input of one action. Subclasses are frozen dataclasses of fields made with the helpers
    above; :meth:`problems` adds rules across fields."""

    # Keys a caller may send that belong to the transport, not to the action (dropped, never read).
    TRANSPORT: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def parse(cls, data: Mapping[str, object]) -> Self:
        """The typed input, or a 400 listing every field at fault (unknown fields included)."""
        declared = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        problems: list[FieldProblem] = [
            field_problem(
                str(key),
                "unknown_field",
                "هذا الإجراء لا يأخذ هذا الحقل.",
                "This action does not take this field.",
            )
            for key in data
            if key not in declared and key not in cls.TRANSPORT
        ]
        for name, field in declared.items():
            spec: Spec = field.metadata["spec"]
            try:
                values[name] = spec.read(data.get(name))
            except _Refused as refused:
                ar, en = refused.messages
                problems.append(field_problem(name, refused.code, ar, en))
        # The rules across fields run too (on the defaults of the fields at fault), so that every
        # problem is named at once; a field already at fault is not named twice.
        failed = {problem.field for problem in problems}
        parsed = cls(**{name: values.get(name, f.default) for name, f in declared.items()})
        problems += [p for p in parsed.problems() if p.field not in failed]
        if problems:
            raise invalid(problems)
        return parsed

    def problems(self) -> list[FieldProblem]:
        return []


def spec_of(input_type: type[ActionInput], name: str) -> Spec | None:
    """How ``name`` of an action's input is read (for a form's options and maximum lengths)."""
    for field in dataclasses.fields(input_type):
        if field.name == name:
            spec: Spec = field.metadata["spec"]
            return spec
    return None


__all__ = [
    "ActionInput",
    "Spec",
    "choice",
    "day",
    "flag",
    "me_or_id",
    "money",
    "record_id",
    "spec_of",
    "text",
]
