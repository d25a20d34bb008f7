"""MFA (allauth.mfa): who must enrol, what they reach before, codes, recovery codes, resets."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client, TestCase

from accounts.middleware import SEEN_KEY
from accounts.models import Role, RoleCode, SecuritySettings, User
from accounts.security import security_settings_forget
from audit.models import AuditEvent
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, TOTP_SECRET, admin_email, host_for, totp_code

pytestmark = pytest.mark.django_db


def _user(tenant: Association, email: str, *roles: str) -> User:
    connection.set_tenant(tenant)
    user = User.objects.create_user(email, PASSWORD, full_name=email, is_staff=True)
    user.roles.add(*Role.objects.filter(code__in=roles))
    return user


def _sign_in(tenant: Association, email: str, password: str = PASSWORD) -> tuple[Client, str]:
    client = Client(HTTP_HOST=host_for(tenant))
    client.cookies["sila_language"] = "en"
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return client, response.get("Location", "")


def _enrol(client: Client) -> str:
    """Enrol TOTP through allauth's page, computing the code from the secret it shows."""
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/"):
        # allauth asks for the password again before a second factor is added.
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.content.decode())
    assert secret is not None, page.content.decode()[:2000]
    # allauth announces the new authenticator after commit (the audit row is written then).
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret.group(1))})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret.group(1)


def test_a_board_member_without_mfa_reaches_only_enrolment_then_everything(tenant_a: Association) -> None:
    _user(tenant_a, "newboard@alpha.test", RoleCode.BOARD_MEMBER)
    client, location = _sign_in(tenant_a, "newboard@alpha.test")
    assert location == "/"  # signed in with the password: no second factor yet

    for path in ("/", "/staff/policy/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"
    api = client.get("/api/v1/policy/versions/")
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_enrolment_required"

    _enrol(client)
    assert client.get("/staff/policy/").status_code == 200
    connection.set_tenant(tenant_a)
    kinds = set(
        Authenticator.objects.filter(user__email="newboard@alpha.test").values_list("type", flat=True)
    )
    assert kinds == {"totp", "recovery_codes"}
    assert AuditEvent.objects.filter(action="mfa.added", actor_email="newboard@alpha.test").exists()


def test_recovery_codes_are_shown_once(tenant_a: Association) -> None:
    _user(tenant_a, "codes@alpha.test", RoleCode.ASSOCIATION_ADMIN)
    client, _ = _sign_in(tenant_a, "codes@alpha.test")
    _enrol(client)
    connection.set_tenant(tenant_a)
    codes = Authenticator.objects.get(user__email="codes@alpha.test", type="recovery_codes")
    first_code = codes.wrap().get_unused_codes()[0]
    first = client.get("/accounts/2fa/recovery-codes/")
    assert first_code in first.content.decode()
    again = client.get("/accounts/2fa/recovery-codes/")
    assert first_code not in again.content.decode()
    assert client.get("/accounts/2fa/recovery-codes/download/").status_code != 200


def test_reception_needs_no_mfa_until_the_association_turns_it_on_for_everyone(tenant_a: Association) -> None:
    _user(tenant_a, "desk@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    client, _ = _sign_in(tenant_a, "desk@alpha.test")
    assert client.get("/staff/").status_code == 200

    connection.set_tenant(tenant_a)
    SecuritySettings.objects.update_or_create(pk=1, defaults={"mfa_required_for_all": True})
    security_settings_forget()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_sign_in_with_mfa_asks_the_code_and_refuses_a_wrong_or_reused_one(tenant_a: Association) -> None:
    client, location = _sign_in(tenant_a, admin_email("alpha"))
    assert location == "/accounts/2fa/authenticate/"
    assert not client.get("/").wsgi_request.user.is_authenticated

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    code = totp_code(TOTP_SECRET)
    right = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert right.status_code == 302
    assert client.get("/").wsgi_request.user.is_authenticated

    # The same code a second time (another sign-in within its 30 seconds) is refused.
    other, _ = _sign_in(tenant_a, admin_email("alpha"))
    reused = other.post("/accounts/2fa/authenticate/", {"code": code})
    assert reused.status_code == 200
    assert not other.get("/").wsgi_request.user.is_authenticated
    connection.set_tenant(tenant_a)
    assert AuditEvent.objects.filter(action="mfa.code_failed", actor_email=admin_email("alpha")).count() == 2


def test_a_password_reset_never_skips_the_second_factor(tenant_a: Association) -> None:
    client = Client(HTTP_HOST=host_for(tenant_a))
    client.post("/accounts/password/reset/", {"email": admin_email("alpha")})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(mail.outbox[0].body))
    assert link is not None, mail.outbox[0].body
    form = client.get(link.group(1), follow=True)
    new_password = "a-brand-new-long-password-42"
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    assert not client.get("/").wsgi_request.user.is_authenticated

    _, location = _sign_in(tenant_a, admin_email("alpha"), new_password)
    assert location == "/accounts/2fa/authenticate/"


def test_someone_who_must_have_mfa_cannot_remove_their_only_authenticator(tenant_a: Association) -> None:
    _user(tenant_a, "keep@alpha.test", RoleCode.ASSOCIATION_ADMIN)
    client, _ = _sign_in(tenant_a, "keep@alpha.test")
    _enrol(client)
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert "requires two-factor authentication" in response.content.decode()
    connection.set_tenant(tenant_a)
    assert Authenticator.objects.filter(user__email="keep@alpha.test", type="totp").exists()


def test_an_idle_session_ends_after_the_associations_limit(tenant_a: Association) -> None:
    _user(tenant_a, "idle@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    client, _ = _sign_in(tenant_a, "idle@alpha.test")
    assert client.get("/staff/").status_code == 200
    session = client.session
    session[SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_sign_in_rotates_the_session_and_sign_ins_and_failures_are_audited(tenant_a: Association) -> None:
    _user(tenant_a, "rot@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    client = Client(HTTP_HOST=host_for(tenant_a))
    client.get("/accounts/login/")
    client.session.save()
    before = client.cookies["sila_session"].value
    client.post("/accounts/login/", {"login": "rot@alpha.test", "password": "wrong-password-1"})
    client.post("/accounts/login/", {"login": "rot@alpha.test", "password": PASSWORD})
    assert client.cookies["sila_session"].value != before
    connection.set_tenant(tenant_a)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["account.sign_in_failed", "account.signed_in"]


@pytest.mark.parametrize(("lang", "words"), [("ar", "محاولات كثيرة"), ("en", "Too many attempts")])
def test_repeated_failed_sign_ins_from_one_address_get_429_in_the_users_language(
    tenant_a: Association, lang: str, words: str
) -> None:
    client = Client(HTTP_HOST=host_for(tenant_a))
    client.cookies["sila_language"] = lang
    for attempt in range(10):
        wrong = client.post(
            "/accounts/login/", {"login": f"nobody{attempt}@alpha.test", "password": "wrong-pass-1"}
        )
        assert wrong.status_code == 200
    limited = client.post("/accounts/login/", {"login": admin_email("alpha"), "password": PASSWORD})
    assert limited.status_code == 429
    assert words in limited.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_wrong_code_on_a_board_vote_counts_towards_the_limit(tenant_a: Association) -> None:
    from django.test import RequestFactory

    from accounts.reauth import reauthenticate_inline
    from core.errors import ServiceError

    connection.set_tenant(tenant_a)
    admin = User.objects.get(email=admin_email("alpha"))
    request = RequestFactory().post("/", HTTP_HOST=host_for(tenant_a))
    request.user = admin
    codes = []
    for _ in range(11):
        with pytest.raises(ServiceError) as refused:
            reauthenticate_inline(request, code="000000")
        codes.append(refused.value.status)
    assert codes == [400] * 10 + [429]
    # A right code is refused too while the limit holds; a used code is refused as used.
    with pytest.raises(ServiceError) as blocked:
        reauthenticate_inline(request, code=totp_code())
    assert blocked.value.status == 429


def test_a_reauthentication_code_works_once(tenant_a: Association) -> None:
    from django.test import RequestFactory

    from accounts.reauth import reauthenticate_inline
    from core.errors import ServiceError

    connection.set_tenant(tenant_a)
    request = RequestFactory().post("/", HTTP_HOST=host_for(tenant_a))
    request.user = User.objects.get(email=admin_email("alpha"))
    code = totp_code()
    assert reauthenticate_inline(request, code=code) == "mfa:totp"
    with pytest.raises(ServiceError) as replayed:
        reauthenticate_inline(request, code=code)
    assert replayed.value.problems[0].code == "incorrect_code"


def test_my_sessions_list_and_sign_out_everywhere_else(tenant_a: Association) -> None:
    _user(tenant_a, "two@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    laptop, _ = _sign_in(tenant_a, "two@alpha.test")
    phone, _ = _sign_in(tenant_a, "two@alpha.test")
    listed = laptop.get("/accounts/sessions/")
    assert listed.status_code == 200
    assert len(listed.context["sessions"]) == 2
    laptop.post("/accounts/sessions/")
    assert laptop.get("/").wsgi_request.user.is_authenticated
    assert not phone.get("/").wsgi_request.user.is_authenticated


@pytest.mark.parametrize(("lang", "words"), [("ar", "محاولات كثيرة"), ("en", "Too many attempts")])
def test_wrong_second_factor_codes_from_one_address_get_429_in_the_users_language(
    tenant_a: Association, lang: str, words: str
) -> None:
    client, location = _sign_in(tenant_a, admin_email("alpha"))
    assert location == "/accounts/2fa/authenticate/"
    client.cookies["sila_language"] = lang
    for _ in range(10):  # ACCOUNT_RATE_LIMITS["login_failed"]: 10 in 5 minutes per address
        wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert wrong.status_code == 200
    limited = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert limited.status_code == 429
    assert words in limited.content.decode()
    # While the limit holds, even the right code does not sign in.
    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code(TOTP_SECRET)})
    assert right.status_code == 429
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_wrong_codes_for_one_account_from_many_addresses_get_429(tenant_a: Association) -> None:
    client, _ = _sign_in(tenant_a, admin_email("alpha"))
    answers = [
        client.post("/accounts/2fa/authenticate/", {"code": "000000"}, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(21)  # 20 in 15 minutes per account, whatever the address
    ]
    assert answers == [200] * 20 + [429]


def test_wrong_codes_when_confirming_it_is_you_get_429(tenant_a: Association) -> None:
    client, _ = _sign_in(tenant_a, admin_email("alpha"))
    assert client.post("/accounts/2fa/authenticate/", {"code": totp_code(TOTP_SECRET)}).status_code == 302
    answers = [
        client.post("/accounts/2fa/reauthenticate/", {"code": "000000"}).status_code for _ in range(11)
    ]
    assert answers == [200] * 10 + [429]


ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def test_the_sessions_list_shows_each_browser_in_words_and_its_last_activity(tenant_a: Association) -> None:
    import datetime as dt

    from allauth.usersessions.models import UserSession
    from django.utils import timezone

    _user(tenant_a, "seen@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    laptop, _ = _sign_in(tenant_a, "seen@alpha.test")
    phone = Client(HTTP_HOST=host_for(tenant_a), HTTP_USER_AGENT=ANDROID_CHROME)
    phone.post("/accounts/login/", {"login": "seen@alpha.test", "password": PASSWORD})
    connection.set_tenant(tenant_a)
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    UserSession.objects.filter(user__email="seen@alpha.test").update(last_seen_at=hour_ago)

    # The laptop is used again two minutes after its last request: its activity is written.
    session = laptop.session
    session[SEEN_KEY] = int(time.time()) - 120
    session.save()
    page = laptop.get("/accounts/sessions/")
    html = page.content.decode()
    connection.set_tenant(tenant_a)
    seen = {s.session_key: s.last_seen_at for s in UserSession.objects.filter(user__email="seen@alpha.test")}
    assert seen[phone.session.session_key] == hour_ago
    assert seen[laptop.session.session_key] > hour_ago + dt.timedelta(minutes=59)
    assert "Last activity" in html
    assert "an hour ago" in html
    assert "Chrome on Android" in html
    assert "Mozilla" not in html
    assert "This browser" in html


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (ANDROID_CHROME, "Chrome on Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        ("", "An unknown browser"),
    ],
)
def test_a_browser_is_named_in_words(header: str, words: str) -> None:
    from django.utils import translation

    from accounts.templatetags.accounts_tags import device

    with translation.override("en"):
        assert device(header) == words


def test_a_passkey_is_offered_at_enrolment_and_counts_as_a_second_factor(tenant_a: Association) -> None:
    user = _user(tenant_a, "passkey@alpha.test", RoleCode.BOARD_MEMBER)
    client, _ = _sign_in(tenant_a, "passkey@alpha.test")
    # allauth asks for the password again before a second factor is added.
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    enrolment = client.get("/accounts/2fa/totp/activate/")
    assert enrolment.status_code == 200
    assert 'href="/accounts/2fa/webauthn/add/"' in enrolment.content.decode()
    add = client.get("/accounts/2fa/webauthn/add/")
    assert add.status_code == 200
    html = add.content.decode()
    # The page's scripts are files (the CSP runs no inline script); its data rides in JSON blocks.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts), scripts
    assert "'unsafe-inline'" not in add["Content-Security-Policy"].split("script-src")[1].split(";")[0]

    # Once the browser has registered a passkey, it is a second factor like the app.
    connection.set_tenant(tenant_a)
    Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "phone"})
    assert client.get("/staff/policy/").status_code == 200


def test_password_resets_for_one_account_are_limited_with_429(tenant_a: Association) -> None:
    client = Client(HTTP_HOST=host_for(tenant_a))
    client.cookies["sila_language"] = "ar"
    answers = [
        client.post(
            "/accounts/password/reset/", {"email": admin_email("alpha")}, REMOTE_ADDR=f"10.1.0.{n}"
        ).status_code
        for n in range(4)  # ACCOUNT_RATE_LIMITS["reset_password"]: 3 in 5 minutes per account
    ]
    assert answers == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    limited = client.post("/accounts/password/reset/", {"email": admin_email("alpha")})
    assert "محاولات كثيرة" in limited.content.decode()


def test_a_session_ends_twelve_hours_after_sign_in_however_active(tenant_a: Association) -> None:
    from accounts.middleware import STARTED_KEY

    _user(tenant_a, "long@alpha.test", RoleCode.RECEPTION_EMPLOYEE)
    client, _ = _sign_in(tenant_a, "long@alpha.test")
    session = client.session
    session[STARTED_KEY] = int(time.time()) - 11 * 3600  # eleven hours: still on
    session.save()
    assert client.get("/staff/").status_code == 200
    session = client.session
    session[STARTED_KEY] = int(time.time()) - 12 * 3600 - 60  # active a second ago, signed in 12 h ago
    session.save()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not client.get("/").wsgi_request.user.is_authenticated
