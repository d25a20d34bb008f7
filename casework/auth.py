"""``Authorization: Bearer <token>`` for the API, with personal tokens kept per association.

A token is looked up in the schema of the host the request came to: on another association's
host, or on the platform's, it does not exist, and the request is refused with 401.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from casework.models import ApiToken
from casework.services import api_token_authenticate
from core.throttle import bad_token_check, bad_token_record
from tenants.db import connection


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError:
            bad_token_record(request)
            raise AuthenticationFailed("Invalid token.") from None
        if connection.schema_name in (settings.PUBLIC_SCHEMA_NAME, settings.SILA_TEMPLATE_SCHEMA):
            raise AuthenticationFailed("API tokens are valid on their association's host only.")
        bad_token_check(request)
        token = api_token_authenticate(plaintext)
        if token is None:
            bad_token_record(request)
            raise AuthenticationFailed("Invalid, revoked or unknown token for this association.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
