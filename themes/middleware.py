"""Arabic first: pages are Arabic unless the person chose English (the language cookie, set by the
switch in the header). The API, used by programs, follows the Accept-Language header."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from themes.services import theme_for


class ArabicFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/") or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            super().process_request(request)
            return
        # Each association chooses the language its pages open in (Arabic unless it says otherwise).
        association = getattr(request, "association", None)
        language = theme_for(association.schema_name).default_language if association is not None else ""
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
