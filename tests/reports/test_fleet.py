"""The console's fleet figures: each association's counts for a period, for platform admins only,
with no beneficiary's data, in one query whatever the number of associations."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.models import SupportCase
from tenants.db import connection
from tenants.models import Association
from tests.casework.conftest import Staff, install_policy
from tests.platform.test_console import operator  # noqa: F401  (fixture)
from tests.reports.test_report_figures import build_march

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(alpha: Association, staff: Staff) -> dict[str, SupportCase]:
    install_policy(alpha, "jamoum")
    cases = build_march(staff)
    connection.set_schema_to_public()
    return cases


def test_the_fleet_page_counts_each_association(
    march: dict[str, SupportCase],
    tenant_b: Association,
    operator: Client,  # noqa: F811
) -> None:
    with CaptureQueriesContext(db_connection) as captured:
        page = operator.get("/console/fleet/", {"period": "range", "from": "2026-03-01", "to": "2026-03-31"})
    assert page.status_code == 200
    html = page.content.decode()
    alpha_row = html[html.index("Alpha Charity") : html.index("</tr>", html.index("Alpha Charity"))]
    cells = [cell.split(">")[-1] for cell in alpha_row.split("</td>")[:-1]]
    # active staff: admin, two receptions, officer, administration, three committee members (not the board)
    assert cells == ["8", "5", "2", "50", "1", "5"]
    beta_row = html[html.index("Beta Charity") : html.index("</tr>", html.index("Beta Charity"))]
    assert [cell.split(">")[-1] for cell in beta_row.split("</td>")[:-1]] == ["1", "0", "0", "—", "0", "—"]
    assert "محمد" not in html  # no beneficiary's name
    fleet_queries = [q for q in captured.captured_queries if "reports_dailyfigure" in q["sql"]]
    assert len(fleet_queries) == 1


def test_the_fleet_page_is_for_platform_admins(march: dict[str, SupportCase], staff: Staff) -> None:
    assert Client(HTTP_HOST="localhost").get("/console/fleet/").status_code == 302
    outsider = Client(HTTP_HOST="alpha.localhost")
    connection.set_tenant(Association.objects.get(slug="alpha"))
    outsider.force_login(staff.admin)
    assert outsider.get("/console/fleet/").status_code == 404
