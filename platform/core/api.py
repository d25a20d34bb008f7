"""API plumbing shared by every context: service errors as field-level JSON, role permissions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError, invalid

# The one error body every API answers (``exception_handler`` below), for ``extend_schema``'s
# responses. The schema hook (``core.openapi``) writes its component, with ``error_codes``.
ErrorSerializer = inline_serializer(
    "Error",
    {
        "code": serializers.CharField(),
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


def error_payload(exc: ServiceError) -> dict[str, Any]:
    lang = get_language() or "ar"
    errors: dict[str, list[str]] = {}
    for problem in exc.problems:
        errors.setdefault(problem.field, []).append(problem.message(lang))
    payload: dict[str, Any] = {"code": exc.code, "detail": exc.message(lang)}
    if errors:
        payload["errors"] = errors
        payload["error_codes"] = {p.field: p.code for p in exc.problems}
    payload.update(exc.extra)
    return payload


def _flatten(detail: Any, field: str, out: dict[str, list[Any]]) -> None:
    """DRF's nested error detail as {"signatories[0].name": [...]}, the paths services use."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY and field:
                _flatten(value, field, out)  # a nested object's own errors belong to its field
            elif isinstance(key, int):
                _flatten(value, f"{field}[{key}]", out)  # a list's errors, by index
            else:
                _flatten(value, f"{field}.{key}" if field else str(key), out)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            _flatten(item, f"{field}[{index}]", out)
    else:
        items = detail if isinstance(detail, list) else [detail]
        out.setdefault(field or "non_field_errors", []).extend(items)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error has one shape: ``{"code", "detail"}``, plus ``errors`` (field -> messages)
    and ``error_codes`` when fields are at fault, whether a service or a serializer refused it."""
    if isinstance(exc, ServiceError):
        refused = Response(error_payload(exc), status=exc.status)
        if exc.status == 429 and "retry_after" in exc.extra:
            refused["Retry-After"] = str(exc.extra["retry_after"])
        return refused
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, APIException):
        return response
    if isinstance(exc, ValidationError):
        messages: dict[str, list[Any]] = {}
        codes: dict[str, list[Any]] = {}
        _flatten(exc.detail, "", messages)
        _flatten(exc.get_codes(), "", codes)
        lang = get_language() or "ar"
        response.data = {
            "code": "invalid",
            "detail": invalid([]).message(lang),
            "errors": {field: [str(m) for m in items] for field, items in messages.items()},
            "error_codes": {field: str(items[0]) for field, items in codes.items() if items},
        }
    elif isinstance(exc.detail, str):
        response.data = {"code": str(exc.get_codes()), "detail": str(exc.detail)}
    return response


def has_any_role(user: Any, codes: tuple[str, ...]) -> bool:
    # accounts.User.holds_any is the one role check (roles read once per request's user object).
    return bool(user and user.is_authenticated and user.holds_any(codes))


class RolePermission(BasePermission):
    """Subclass with ``roles = (...)``; safe methods may be opened with ``read_roles``."""

    roles: tuple[str, ...] = ()
    read_roles: tuple[str, ...] | None = None

    def has_permission(self, request: Request, view: APIView) -> bool:
        roles = (
            self.read_roles
            if request.method in ("GET", "HEAD", "OPTIONS") and self.read_roles
            else self.roles
        )
        return has_any_role(request.user, roles)


def role_permission(*roles: str, read_roles: tuple[str, ...] | None = None) -> type[RolePermission]:
    return type(
        "RolePermission_" + "_".join(roles), (RolePermission,), {"roles": roles, "read_roles": read_roles}
    )
