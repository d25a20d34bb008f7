"""Security headers on every response: a Content-Security-Policy that runs only Sila's own script
files (no inline script), no framing, a strict Referrer-Policy and a Permissions-Policy.

Scripts live in static files; data for them travels in ``<script type="application/json">``
blocks (``json_script``), which a CSP does not execute. HSTS and secure cookies are production's
(settings/production.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Inline style attributes are used by a few templates and allauth's pages; no script runs from them.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",  # the TOTP QR code is a data: image
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)
# The API reference (ReDoc) runs its bundle with web workers; it shows no user data.
CSP_API_DOCS = CSP.replace("script-src 'self'", "script-src 'self' blob:") + "; worker-src 'self' blob:"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", CSP_API_DOCS if request.path.startswith("/api/docs") else CSP
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
