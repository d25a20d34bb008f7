"""API plumbing shared by every context: service errors as field-level JSON, role permissions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError


def error_payload(exc: ServiceError) -> dict[str, Any]:
    lang = get_language() or "ar"
    errors: dict[str, list[str]] = {}
    for problem in exc.problems:
        errors.setdefault(problem.field, []).append(problem.message(lang))
    payload: dict[str, Any] = {"code": exc.code, "detail": exc.message(lang)}
    if errors:
        payload["errors"] = errors
        payload["error_codes"] = {p.field: p.code for p in exc.problems}
    return payload


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(error_payload(exc), status=exc.status)
    return drf_exception_handler(exc, context)


def has_any_role(user: Any, codes: tuple[str, ...]) -> bool:
    if not user or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.roles.filter(code__in=codes).exists())


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
