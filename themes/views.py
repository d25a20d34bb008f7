"""The association's theme as Sila serves it: a stylesheet of checked colours and the re-encoded
logo. Both are files (not inline styles), cached by the browser under a versioned URL."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control

from themes.models import Theme
from themes.services import HEX, theme_for


def schema_of(request: HttpRequest) -> str:
    association = getattr(request, "association", None)
    if association is None:
        raise Http404
    return str(association.schema_name)


@cache_control(public=True, max_age=3600)
def theme_css(request: HttpRequest) -> HttpResponse:
    values = theme_for(schema_of(request))
    brand = values.brand if HEX.match(values.brand) else "#0f6e5a"
    ink = values.brand_ink if HEX.match(values.brand_ink) else "#ffffff"
    css = f":root {{ --brand: {brand}; --brand-ink: {ink}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@cache_control(public=True, max_age=86400)
def logo(request: HttpRequest) -> HttpResponse:
    data = Theme.objects.filter(schema_name=schema_of(request)).values_list("logo_png", flat=True).first()
    if not data:
        raise Http404
    response = HttpResponse(bytes(data), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
