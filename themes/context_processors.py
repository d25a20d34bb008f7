from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language_bidi

from themes.services import theme_for


def sila(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role_codes: set[str] = set()
    if getattr(request, "association", None) is not None and user is not None and user.is_authenticated:
        role_codes = set(user.role_codes())
    association = getattr(request, "association", None)
    theme = theme_for(association.schema_name) if association is not None else None
    return {
        "theme": theme,
        # What the header offers: the inbox to casework staff, policy versions to all staff.
        "association": getattr(request, "association", None),
        "casework_staff": bool(role_codes - {"board_member"}),
        "association_staff": bool(role_codes),
        "team_admin": "association_admin" in role_codes,
        "text_direction": "rtl" if get_language_bidi() else "ltr",
        "today": timezone.localdate(),
    }
