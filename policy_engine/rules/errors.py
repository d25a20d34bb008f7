"""A field-level problem, with the path an editor or a form should highlight and a message in
both languages (shared by the policy validation and the intake checks)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    path: str
    code: str
    message_ar: str
    message_en: str

    def to_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "code": self.code,
            "message_ar": self.message_ar,
            "message_en": self.message_en,
        }
