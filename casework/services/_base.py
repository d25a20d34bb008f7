"""Helpers the casework services share: field problems, refusals, role checks, the timeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import NoReverseMatch, reverse

from accounts.models import User
from casework import roles
from casework.hooks import case_event_appended
from casework.models import (
    CaseEvent,
    SupportCase,
)
from casework.validators import (
    InvalidValue,
)
from core.errors import FieldProblem, ServiceError, forbidden, invalid
from policy_engine.rules.catalog import CatalogKind, get_entry

# --- helpers ------------------------------------------------------------------------------------


def field_problem(field_name: str, code: str, message_ar: str, message_en: str) -> FieldProblem:
    return FieldProblem(field_name, code, message_ar, message_en)


def from_invalid(field_name: str, exc: InvalidValue) -> FieldProblem:
    return FieldProblem(field_name, exc.code, exc.message_ar, exc.message_en)


def required_problem(field_name: str) -> FieldProblem:
    return field_problem(field_name, "required", "هذا الحقل مطلوب.", "This field is required.")


def refused(code: str, field_name: str, message_ar: str, message_en: str, status: int = 409) -> ServiceError:
    """A refusal tied to one field, so that screens can show it where it belongs."""
    return ServiceError(
        code, message_ar, message_en, status, [FieldProblem(field_name, code, message_ar, message_en)]
    )


def require_role(actor: User | None, allowed: tuple[str, ...]) -> None:
    if actor is None:
        return
    if not roles.has_any(actor, allowed):
        raise forbidden("لا تملك صلاحية هذا الإجراء.", "You are not allowed to do this.")


def url_for(name: str, pk: int) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def as_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def text_field(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def step_label(step: str, lang: str) -> str:
    entry = get_entry(CatalogKind.STEP, step)
    return entry.label("ar" if lang == "ar" else "en") if entry else step


def append_event(
    *,
    case: SupportCase,
    actor: User | None,
    action: str,
    from_step: str,
    to_step: str,
    data: Mapping[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case, actor=actor, action=action, from_step=from_step, to_step=to_step, data=dict(data or {})
    )
    case_event_appended(event)
    return event


def staff_member(user_id: Any, *, field_name: str) -> User:
    pk = as_id(user_id)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if user is None or not roles.has_any(user, roles.CASEWORK_ROLES):
        raise invalid(
            [field_problem(field_name, "not_staff", "لا يوجد موظف بهذا الرقم.", "No such staff member.")]
        )
    return user
