"""While a new admin looks at the authenticator's QR code, the browser's own requests (its favicon)
must not draw a new secret: the code from the QR code must still be accepted."""

from __future__ import annotations

import re

from django.test import Client

from accounts.models import Role, RoleCode, User
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, totp_code


def test_the_favicon_does_not_replace_the_secret_being_enrolled(tenant_a: Association) -> None:
    connection.set_tenant(tenant_a)
    user = User.objects.create_user("new-admin@alpha.test", PASSWORD, is_staff=True)
    user.roles.add(Role.objects.get(code=RoleCode.ASSOCIATION_ADMIN))
    connection.set_schema_to_public()
    client = Client(HTTP_HOST="alpha.localhost")
    client.post("/accounts/login/", {"login": "new-admin@alpha.test", "password": PASSWORD})
    # allauth asks for the password again before a second factor is added.
    reauth = client.get("/accounts/2fa/totp/activate/", HTTP_ACCEPT="text/html")["Location"]
    client.post(reauth, {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.content.decode())
    assert secret is not None

    favicon = client.get("/favicon.ico", HTTP_ACCEPT="image/avif,image/webp,image/*,*/*;q=0.8")
    assert favicon.status_code == 403

    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret.group(1))})
    assert done.status_code == 302
