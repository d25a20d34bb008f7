"""The accounts issue's "done when", through Chromium against the demo served for real: an admin
invites a board member; the invitee joins from the emailed link and enrols TOTP, computing the
code from the secret the page shows; their vote is refused until they re-authenticate, then
counted; the board closes the vote and the version is in force. A switched-off employee's
token and session stop on their next request."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

from tests.conftest import totp_code
from tests.e2e.conftest import ARTIFACTS, LiveSila

SLUG = "tabuk"  # its policy waits for its board in the demo
NEW_MEMBER = "newboard@tabuk.sila.example"
NEW_PASSWORD = "a-long-board-pass-phrase-7"


class Codes:
    """Authenticator codes, each used once (Sila accepts the previous, current and next 30 s)."""

    def __init__(self) -> None:
        self.used: dict[str, set[int]] = {}

    def next(self, secret: str) -> str:
        now = int(time.time()) // 30
        used = self.used.setdefault(secret, set())
        for offset in (0, 1, -1):
            if now + offset not in used:
                used.add(now + offset)
                return totp_code(secret, offset)
        time.sleep(31)
        return self.next(secret)


def _api(
    live: LiveSila, method: str, path: str, token: str, body: dict[str, Any] | None = None, slug: str = SLUG
) -> tuple[int, Any]:
    # Chromium resolves *.localhost itself; urllib asks the system resolver, so connect by address.
    request = urllib.request.Request(
        f"http://127.0.0.1:{live.port}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Host": f"{slug}.localhost:{live.port}",
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept-Language": "en",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _sign_in(page: Any, live: LiveSila, login: dict[str, Any], codes: Codes) -> None:
    page.goto(live.url(SLUG, "/accounts/login/"))
    page.fill("input[name=login]", login["email"])
    page.fill("input[name=password]", login["password"])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:
        page.fill("input[name=code]", codes.next(login["totp_secret"]))
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()


def _reauthenticate(page: Any, secret: str, codes: Codes) -> None:
    assert "/accounts/2fa/reauthenticate/" in page.url, page.url
    page.fill("input[name=code]", codes.next(secret))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def _votes(live: LiveSila, token: str) -> list[dict[str, Any]]:
    status, body = _api(live, "GET", "/api/v1/policy/versions/1/", token)
    assert status == 200, body
    votes: list[dict[str, Any]] = body["votes"]
    return votes


def test_an_invited_board_member_enrols_reauthenticates_votes_and_sees_the_policy_in_force(
    live_sila: LiveSila, new_page: Any
) -> None:
    codes = Codes()
    admin = live_sila.login(SLUG, "admin")

    # The administrator adds the new member's seat to the board (no account yet)...
    admin_page = new_page()
    _sign_in(admin_page, live_sila, admin, codes)
    admin_page.goto(live_sila.url(SLUG, "/staff/policy/board/"))
    add = admin_page.locator("form:has(input[name=user_email][type=email])")
    add.locator("input[name=name_ar]").fill("ريم بنت سعد القحطاني")
    add.locator("select[name=role]").select_option("member")
    add.locator("button[type=submit]").click()
    admin_page.wait_for_load_state()
    # ...and invites her from the team screen, where the vacant seat is listed with the accounts
    # (re-authenticating first).
    admin_page.goto(live_sila.url(SLUG, "/staff/team/"))
    seat = admin_page.locator("tr.vacant-seat", has_text="ريم بنت سعد القحطاني")
    seat.locator("input[name=email]").fill(NEW_MEMBER)
    seat.locator("button[type=submit]").click()
    admin_page.wait_for_load_state()
    _reauthenticate(admin_page, admin["totp_secret"], codes)
    assert admin_page.url.endswith("/staff/team/")
    assert NEW_MEMBER in seat.inner_text()  # the seat says who was invited for it
    ARTIFACTS.mkdir(exist_ok=True)
    admin_page.screenshot(path=str(ARTIFACTS / "e2e-team-invited-for-seat.png"), full_page=True)

    # The link arrives by email (printed by the development mail backend into the server's log).
    link = re.findall(r"https?://\S+/invite/[\w-]+/", live_sila.server_log.read_text(encoding="utf-8"))[-1]

    member = new_page(width=390, height=844)
    member.goto(link)
    member.fill("input[name=full_name]", "ريم بنت سعد القحطاني")
    member.fill("input[name=password]", NEW_PASSWORD)
    member.fill("input[name=password2]", NEW_PASSWORD)
    member.locator("form button[type=submit]").last.click()
    member.wait_for_load_state()
    # A board member must hold a second factor: every page leads to enrolment until it is done.
    member.goto(live_sila.url(SLUG, "/staff/policy/1/"))
    assert "/accounts/2fa/totp/activate/" in member.url
    secret = member.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    member.fill("input[name=code]", codes.next(secret))
    member.locator("form button[type=submit]").last.click()
    member.wait_for_load_state()
    assert "/accounts/2fa/recovery-codes/" in member.url  # shown once, now
    member.screenshot(path=str(ARTIFACTS / "e2e-recovery-codes.png"), full_page=True)

    # Joining took the seat she was invited for: the board page shows her account in it.
    admin_page.goto(live_sila.url(SLUG, "/staff/policy/board/"))
    assert NEW_MEMBER in admin_page.locator("tr", has_text="ريم بنت سعد القحطاني").inner_text()

    # Voting without re-authentication is refused: Sila asks for the code and records nothing yet.
    chair = live_sila.login(SLUG, "board1")
    before = len(_votes(live_sila, chair["api_token"]))
    member.goto(live_sila.url(SLUG, "/staff/policy/1/"))
    member.locator("form.vote-form input[name=choice][value=approve]").check()
    member.locator("form.vote-form button[type=submit]").click()
    member.wait_for_load_state()
    assert "/accounts/2fa/reauthenticate/" in member.url
    assert len(_votes(live_sila, chair["api_token"])) == before
    member.screenshot(path=str(ARTIFACTS / "e2e-vote-reauthenticate.png"), full_page=True)
    assert member.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _reauthenticate(member, secret, codes)
    votes = _votes(live_sila, chair["api_token"])
    assert len(votes) == before + 1
    assert "ريم بنت سعد القحطاني" in {v["member"] for v in votes}

    # The rest of the board votes through the API (each with their own code), the chair closes it.
    for key in ("board1", "board2", "board3"):
        login = live_sila.login(SLUG, key)
        status, body = _api(
            live_sila,
            "POST",
            "/api/v1/policy/versions/1/votes",
            login["api_token"],
            {"choice": "approve", "code": codes.next(login["totp_secret"])},
        )
        assert status in (201, 409), body  # 409: the demo's earlier runs may have voted already
    status, body = _api(
        live_sila,
        "POST",
        "/api/v1/policy/versions/1/approve",
        chair["api_token"],
        {"code": codes.next(chair["totp_secret"])},
    )
    assert status == 200, body
    assert body["status"] == "in_force"

    member.goto(live_sila.url(SLUG, "/staff/policy/1/"))
    assert "نافذة" in member.content()
    member.screenshot(path=str(ARTIFACTS / "e2e-policy-in-force.png"), full_page=True)

    # Her sessions, in words, on a phone: this browser, when it signed in, its last activity.
    member.goto(live_sila.url(SLUG, "/accounts/sessions/"))
    assert "هذا المتصفح" in member.content()
    assert member.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    member.screenshot(path=str(ARTIFACTS / "e2e-sessions-phone.png"), full_page=True)


def test_a_switched_off_employee_s_token_and_session_stop(live_sila: LiveSila, new_page: Any) -> None:
    codes = Codes()
    admin = live_sila.login("jamoum", "admin")
    employee = live_sila.login("jamoum", "research")
    page = new_page()
    page.goto(live_sila.url("jamoum", "/accounts/login/"))
    page.fill("input[name=login]", employee["email"])
    page.fill("input[name=password]", employee["password"])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    page.goto(live_sila.url("jamoum", "/staff/"))
    assert "/accounts/login/" not in page.url

    def call(method: str, path: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        return _api(live_sila, method, path, token, body, slug="jamoum")

    assert call("GET", "/api/v1/cases/", employee["api_token"])[0] == 200
    staff = call("GET", "/api/v1/staff/", admin["api_token"])[1]
    target = next(row for row in staff if row["email"] == employee["email"])
    status, body = call(
        "PATCH",
        f"/api/v1/staff/{target['id']}/",
        admin["api_token"],
        {"is_active": False, "code": codes.next(admin["totp_secret"])},
    )
    assert status == 200, body
    try:
        assert call("GET", "/api/v1/cases/", employee["api_token"])[0] == 401
        page.goto(live_sila.url("jamoum", "/staff/"))
        assert "/accounts/login/" in page.url
    finally:
        call(
            "PATCH",
            f"/api/v1/staff/{target['id']}/",
            admin["api_token"],
            {"is_active": True, "code": codes.next(admin["totp_secret"])},
        )
