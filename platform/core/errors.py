"""Errors the policy services raise; the API and screens turn them into field-level messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message_ar: str
    message_en: str

    def message(self, lang: str) -> str:
        return self.message_en if lang.startswith("en") else self.message_ar


@dataclass
class ServiceError(Exception):
    """A refused write. ``status`` is the HTTP status the API answers with."""

    code: str
    message_ar: str
    message_en: str
    status: int = 400
    problems: list[FieldProblem] = field(default_factory=list)
    # More for the client, beside the message (e.g. a pointer to the record that already exists).
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message_en

    def message(self, lang: str) -> str:
        return self.message_en if lang.startswith("en") else self.message_ar


def invalid(problems: list[FieldProblem]) -> ServiceError:
    return ServiceError(
        "invalid", "في البيانات أخطاء، راجع الحقول المشار إليها.", "Some fields are invalid.", 400, problems
    )


def conflict(code: str, message_ar: str, message_en: str) -> ServiceError:
    return ServiceError(code, message_ar, message_en, 409)


def forbidden(message_ar: str, message_en: str) -> ServiceError:
    return ServiceError("forbidden", message_ar, message_en, 403)


def not_found(message_ar: str = "غير موجود.", message_en: str = "Not found.") -> ServiceError:
    return ServiceError("not_found", message_ar, message_en, 404)
