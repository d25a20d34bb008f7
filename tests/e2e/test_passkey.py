"""A passkey as a staff member's second factor, through Chromium's virtual authenticator (the
WebAuthn domain of the DevTools protocol: a platform authenticator that holds resident keys and
verifies its user, as a phone's or a laptop's does). The staff member adds the passkey from the
second-factor pages, signs out, signs in with the password and then the passkey, and reaches the
staff pages. The demo is served over http://<slug>.localhost, a secure context for the browser;
Sila's server checks the origin as in production (fido2 accepts http://*.localhost)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.e2e.conftest import ARTIFACTS, LiveSila, sideways_overflow

SLUG = "rumaila"
WHO = "manager"  # a staff member whom no other browser test signs in


def _password(page: Any, live: LiveSila, login: dict[str, Any]) -> None:
    page.goto(live.url(SLUG, "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_a_staff_member_adds_a_passkey_and_signs_in_with_it(live_sila: LiveSila, new_page: Any) -> None:
    login = live_sila.login(SLUG, WHO)
    page = new_page(width=390, height=844)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    # A password alone opens the staff pages of an association that does not require MFA of all.
    _password(page, live_sila, login)
    assert "/accounts/2fa/authenticate/" not in page.url

    # From the second-factor page to "add a passkey": a name, then the browser's own prompt.
    page.goto(live_sila.url(SLUG, "/accounts/2fa/"))
    page.locator("a[href$='/accounts/2fa/webauthn/add/']").click()
    page.wait_for_load_state()
    # A change to one's second factor asks for the password again first.
    assert "/accounts/reauthenticate/" in page.url
    page.fill("input[name=password]", login["password"])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "/accounts/2fa/webauthn/add/" in page.url
    assert page.inner_text("label[for=id_name]").startswith("الاسم")
    page.fill("input[name=name]", "هاتف العمل")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-passkey-add.png"), full_page=True)
    assert sideways_overflow(page) == 0
    with page.expect_navigation():
        page.click("#mfa_webauthn_add")
    page.wait_for_load_state()
    assert "/accounts/2fa/webauthn/add/" not in page.url, page.content()
    credentials = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1
    assert credentials[0]["rpId"] == f"{SLUG}.localhost"
    page.goto(live_sila.url(SLUG, "/accounts/2fa/webauthn/"))
    assert "هاتف العمل" in page.inner_text("main")

    # Signed out, the password now leads to the second factor, and the passkey answers it.
    page.locator("form[action$='/accounts/logout/'] button[type=submit]").first.click()
    page.wait_for_load_state()
    _password(page, live_sila, login)
    assert "/accounts/2fa/authenticate/" in page.url
    page.goto(live_sila.url(SLUG, "/staff/"))
    # Nothing behind the password alone: the staff pages lead back to the second factor.
    assert urlsplit(page.url).path == "/accounts/2fa/authenticate/"
    page.screenshot(path=str(ARTIFACTS / "e2e-passkey-authenticate.png"), full_page=True)
    assert sideways_overflow(page) == 0
    with page.expect_navigation():
        page.click("#mfa_webauthn_authenticate")
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" not in page.url, page.content()
    used = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert used[0]["signCount"] > credentials[0]["signCount"]

    page.goto(live_sila.url(SLUG, "/staff/"))
    assert page.url == live_sila.url(SLUG, "/staff/")
    assert "تسجيل الخروج" in page.content()
