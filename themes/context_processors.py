from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language_bidi


def sila(request: HttpRequest) -> dict[str, Any]:
    return {
        "association": getattr(request, "association", None),
        "text_direction": "rtl" if get_language_bidi() else "ltr",
        "today": timezone.localdate(),
    }
