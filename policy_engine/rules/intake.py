"""What an association asks of an applicant, as part of the policy version the board approves.

Two parts of a :class:`~policy_engine.rules.document.PolicyDocument`:

- ``intake_form``: the fields an applicant gives when a request is opened (text, number, date,
  choice, yes/no, phone, national ID, file, and a repeating ``group`` such as the household),
  each with Arabic and English labels, whether it is required, and help text;
- ``checklists``: per step that checks something (``receive``, ``verify``...), the information
  items and documents the employee verifies; a document lists the file types it may be.

A field or an item may apply only when another field has a given answer (``when``): a
guardianship deed only when the applicant is the orphans' guardian.

``from_dict`` checks the shape only and raises :class:`DocumentError`; whether the content is
acceptable (known types, unique codes, conditions on existing fields) is
:func:`policy_engine.rules.intake_checks.intake_problems`' job, and an applicant's answers are
checked by :func:`policy_engine.rules.answers.check_answers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policy_engine.rules.document_shape import (
    DocumentError,
    join,
    mapping,
    only_keys,
    opt_bool,
    opt_int,
    opt_str,
    req_str,
    str_list,
)

FIELD_TYPES: tuple[str, ...] = (
    "text",
    "number",
    "date",
    "choice",
    "yes_no",
    "phone",
    "national_id",
    "file",
    "group",
)
# How the kinds of answer, of checklist item and of calendar are called on screen and in the diff.
FIELD_TYPE_NAMES: Mapping[str, tuple[str, str]] = {
    "text": ("نص", "Text"),
    "number": ("رقم", "Number"),
    "date": ("تاريخ", "Date"),
    "choice": ("اختيار من قائمة", "Choice from a list"),
    "yes_no": ("نعم / لا", "Yes / no"),
    "phone": ("رقم جوال", "Mobile number"),
    "national_id": ("رقم الهوية أو الإقامة", "National ID or iqama"),
    "file": ("ملف", "File"),
    "group": ("مجموعة متكررة (مثل أفراد الأسرة)", "Repeating group (such as the household)"),
}
ITEM_KIND_NAMES: Mapping[str, tuple[str, str]] = {
    "info": ("معلومة يتحقق منها الموظف", "Information the employee checks"),
    "document": ("مستند يُرفق", "Document to attach"),
}
CALENDAR_NAMES: Mapping[str, tuple[str, str]] = {
    "": ("أي التقويمين", "Either calendar"),
    "hijri": ("هجري", "Hijri"),
    "gregorian": ("ميلادي", "Gregorian"),
}
# What an uploaded document may be, by its content (core.uploads sniffs the same three).
FILE_TYPES: tuple[str, ...] = ("pdf", "png", "jpeg")
CALENDARS: tuple[str, ...] = ("gregorian", "hijri")
ITEM_KINDS: tuple[str, ...] = ("info", "document")
DEFAULT_MAX_FILE_MB = 10


@dataclass(frozen=True, slots=True)
class Condition:
    """Applies when the top-level field ``field`` has the answer ``equals`` (or one of ``one_of``)."""

    field: str
    equals: str | bool | None = None
    one_of: tuple[str, ...] = ()

    def holds(self, answers: Mapping[str, Any]) -> bool:
        value = answers.get(self.field)
        if self.one_of:
            return value in self.one_of
        return value == self.equals

    @classmethod
    def from_dict(cls, data: object, path: str) -> Condition:
        m = mapping(data, path)
        only_keys(m, ("field", "equals", "one_of"), path)
        equals = m.get("equals")
        if equals is not None and not isinstance(equals, str | bool):
            raise DocumentError(join(path, "equals"), "expected a string or true/false")
        return cls(field=req_str(m, "field", path), equals=equals, one_of=str_list(m, "one_of", path))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field}
        if self.one_of:
            out["one_of"] = list(self.one_of)
        else:
            out["equals"] = self.equals
        return out


@dataclass(frozen=True, slots=True)
class ChoiceOption:
    code: str
    label_ar: str
    label_en: str

    def label(self, lang: str) -> str:
        return self.label_ar if lang == "ar" else self.label_en

    @classmethod
    def from_dict(cls, data: object, path: str) -> ChoiceOption:
        m = mapping(data, path)
        only_keys(m, ("code", "label_ar", "label_en"), path)
        return cls(req_str(m, "code", path), req_str(m, "label_ar", path), req_str(m, "label_en", path))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label_ar": self.label_ar, "label_en": self.label_en}


_FIELD_KEYS = (
    "code",
    "type",
    "label_ar",
    "label_en",
    "required",
    "help_ar",
    "help_en",
    "options",
    "calendar",
    "file_types",
    "max_size_mb",
    "fields",
    "max_rows",
    "when",
)


@dataclass(frozen=True, slots=True)
class FormField:
    """One question of the intake form. ``calendar`` (dates): the calendar the answer is typed in,
    None for either; ``fields``/``max_rows``: a group's columns and row limit."""

    code: str
    type: str
    label_ar: str
    label_en: str
    required: bool = False
    help_ar: str | None = None
    help_en: str | None = None
    options: tuple[ChoiceOption, ...] = ()
    calendar: str | None = None
    file_types: tuple[str, ...] = ()
    max_size_mb: int | None = None
    fields: tuple[FormField, ...] = ()
    max_rows: int | None = None
    when: Condition | None = None

    def label(self, lang: str) -> str:
        return self.label_ar if lang == "ar" else self.label_en

    def help(self, lang: str) -> str:
        return (self.help_ar if lang == "ar" else self.help_en) or ""

    def option(self, code: object) -> ChoiceOption | None:
        return next((o for o in self.options if o.code == code), None)

    def accepted_types(self) -> tuple[str, ...]:
        return self.file_types or FILE_TYPES

    def max_bytes(self) -> int:
        return (self.max_size_mb or DEFAULT_MAX_FILE_MB) * 1024 * 1024

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.when is None or self.when.holds(answers)

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> FormField:
        m = mapping(data, path)
        only_keys(m, _FIELD_KEYS, path)
        options = m.get("options") or []
        fields = m.get("fields") or []
        if not isinstance(options, list) or not isinstance(fields, list):
            raise DocumentError(path, "options and fields are lists")
        return cls(
            code=req_str(m, "code", path),
            type=req_str(m, "type", path),
            label_ar=req_str(m, "label_ar", path),
            label_en=req_str(m, "label_en", path),
            required=bool(opt_bool(m, "required", path)),
            help_ar=opt_str(m, "help_ar", path),
            help_en=opt_str(m, "help_en", path),
            options=tuple(
                ChoiceOption.from_dict(o, join(join(path, "options"), i)) for i, o in enumerate(options)
            ),
            calendar=opt_str(m, "calendar", path),
            file_types=str_list(m, "file_types", path),
            max_size_mb=opt_int(m, "max_size_mb", path),
            fields=tuple(FormField.from_dict(f, join(join(path, "fields"), i)) for i, f in enumerate(fields)),
            max_rows=opt_int(m, "max_rows", path),
            when=Condition.from_dict(m["when"], join(path, "when")) if m.get("when") is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "type": self.type,
            "label_ar": self.label_ar,
            "label_en": self.label_en,
            "required": self.required,
        }
        for key in ("help_ar", "help_en", "calendar", "max_size_mb", "max_rows"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.options:
            out["options"] = [o.to_dict() for o in self.options]
        if self.file_types:
            out["file_types"] = list(self.file_types)
        if self.fields:
            out["fields"] = [f.to_dict() for f in self.fields]
        if self.when is not None:
            out["when"] = self.when.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class IntakeForm:
    fields: tuple[FormField, ...] = ()

    def field(self, code: str) -> FormField | None:
        return next((f for f in self.fields if f.code == code), None)

    @classmethod
    def from_dict(cls, data: object, path: str = "intake_form") -> IntakeForm:
        m = mapping(data, path)
        only_keys(m, ("fields",), path)
        fields = m.get("fields") or []
        if not isinstance(fields, list):
            raise DocumentError(join(path, "fields"), "expected a list")
        return cls(tuple(FormField.from_dict(f, join(join(path, "fields"), i)) for i, f in enumerate(fields)))

    def to_dict(self) -> dict[str, Any]:
        return {"fields": [f.to_dict() for f in self.fields]}


_ITEM_KEYS = (
    "code",
    "kind",
    "label_ar",
    "label_en",
    "required",
    "help_ar",
    "help_en",
    "file_types",
    "max_size_mb",
    "when",
)


@dataclass(frozen=True, slots=True)
class ChecklistEntry:
    """An information item or a document a step verifies; a document's file must be one of
    ``file_types`` (default: any of :data:`FILE_TYPES`)."""

    code: str
    kind: str
    label_ar: str
    label_en: str
    required: bool = True
    help_ar: str | None = None
    help_en: str | None = None
    file_types: tuple[str, ...] = ()
    max_size_mb: int | None = None
    when: Condition | None = None

    def label(self, lang: str) -> str:
        return self.label_ar if lang == "ar" else self.label_en

    def accepted_types(self) -> tuple[str, ...]:
        return (self.file_types or FILE_TYPES) if self.kind == "document" else ()

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.when is None or self.when.holds(answers)

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> ChecklistEntry:
        m = mapping(data, path)
        only_keys(m, _ITEM_KEYS, path)
        required = opt_bool(m, "required", path)
        return cls(
            code=req_str(m, "code", path),
            kind=req_str(m, "kind", path),
            label_ar=req_str(m, "label_ar", path),
            label_en=req_str(m, "label_en", path),
            required=True if required is None else required,
            help_ar=opt_str(m, "help_ar", path),
            help_en=opt_str(m, "help_en", path),
            file_types=str_list(m, "file_types", path),
            max_size_mb=opt_int(m, "max_size_mb", path),
            when=Condition.from_dict(m["when"], join(path, "when")) if m.get("when") is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "kind": self.kind,
            "label_ar": self.label_ar,
            "label_en": self.label_en,
            "required": self.required,
        }
        for key in ("help_ar", "help_en", "max_size_mb"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.file_types:
            out["file_types"] = list(self.file_types)
        if self.when is not None:
            out["when"] = self.when.to_dict()
        return out


def checklists_from_dict(data: object, path: str = "checklists") -> dict[str, tuple[ChecklistEntry, ...]]:
    m = mapping(data, path)
    out: dict[str, tuple[ChecklistEntry, ...]] = {}
    for step, items in m.items():
        where = join(path, str(step))
        if not isinstance(items, list):
            raise DocumentError(where, "expected a list")
        out[str(step)] = tuple(ChecklistEntry.from_dict(item, join(where, i)) for i, item in enumerate(items))
    return out


def checklists_to_dict(checklists: Mapping[str, tuple[ChecklistEntry, ...]]) -> dict[str, Any]:
    return {step: [item.to_dict() for item in items] for step, items in checklists.items()}
