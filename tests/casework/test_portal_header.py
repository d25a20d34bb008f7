"""The site's header for a beneficiary signed into the portal: their requests, not the staff's
sign-in (which an anonymous visitor still has: staff sign in from the association's site)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework import sms
from casework.models import PortalSession
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Staff, install_policy, open_case, register
from tests.casework.test_portal import PHONE, browser_sign_in
from tests.conftest import host_for

pytestmark = pytest.mark.django_db

STAFF_SIGN_IN = 'href="/accounts/login/"'
PAGES = ["/", "/policy/", "/apply/", "/portal/requests/"]


@pytest.fixture(autouse=True)
def _empty_outbox(media_root: Any) -> None:
    sms.outbox.clear()


def test_a_beneficiary_signed_into_the_portal_is_not_offered_the_staff_sign_in(
    alpha: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")
    open_case(staff.reception, register(staff.reception, phone=PHONE))
    visitor = Client(HTTP_HOST=host_for(alpha))
    for path in PAGES[:3]:
        page = visitor.get(path)
        assert page.status_code == 200, path
        assert STAFF_SIGN_IN in page.content.decode(), path

    beneficiary = browser_sign_in(alpha)
    for path in PAGES:
        page = beneficiary.get(path)
        assert page.status_code == 200, path
        assert STAFF_SIGN_IN not in page.content.decode(), path

    # Signed out of the portal, the browser is a visitor's again.
    assert beneficiary.post("/portal/sign-out").status_code == 302
    assert STAFF_SIGN_IN in beneficiary.get("/").content.decode()


def test_the_staff_sign_in_stays_for_a_browser_whose_portal_session_ended(
    alpha: Association, staff: Staff
) -> None:
    install_policy(alpha, "jamoum")
    open_case(staff.reception, register(staff.reception, phone=PHONE))
    beneficiary = browser_sign_in(alpha)
    connection.set_tenant(alpha)
    PortalSession.objects.update(revoked_at=PortalSession.objects.get().created_at)
    assert STAFF_SIGN_IN in beneficiary.get("/").content.decode()
