"""Tells drf-spectacular how personal API tokens are sent, for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "casework.auth.BearerTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme name
        )
        scheme["description"] = "A personal API token, valid on its own association's host only."
        return scheme


class PortalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "casework.portal.api.PortalTokenAuthentication"
    name = "portalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme name
        )
        scheme["description"] = (
            "A beneficiary's portal token from POST /api/v1/public/otp/verify/: 30 minutes, "
            "one mobile number, this association's host only."
        )
        return scheme
