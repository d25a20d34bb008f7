"""The theme editor: colours checked for WCAG AA contrast before saving, logos checked and re-encoded,
nothing a tenant types reaches a page as markup or CSS, one association's theme never another's;
and the API docs served by Sila (no CDN)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import User
from audit.models import AuditEvent
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, admin_email, host_for
from themes.models import Theme
from themes.services import contrast

pytestmark = pytest.mark.django_db


def png(size: tuple[int, int] = (40, 40), colour: str = "#c0392b") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def admin_client(tenant: Association) -> Client:
    client = Client(HTTP_HOST=host_for(tenant))
    connection.set_tenant(tenant)
    client.force_login(User.objects.get(email=admin_email(tenant.slug)))
    return client


def save(client: Client, **fields: object) -> object:
    data = {"brand": "#0f6e5a", "brand_ink": "#ffffff", "default_language": "ar", "revision": "0", **fields}
    return client.post("/staff/theme/", data)


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-fails grey
    assert round(contrast("#0f6e5a", "#ffffff"), 2) == 6.18  # worked by hand: L = 0.1199


def test_a_readable_theme_is_saved_audited_and_served(tenant_a: Association) -> None:
    client = admin_client(tenant_a)
    answer = save(client, brand="#1a4d8f", brand_ink="#ffffff", logo=SimpleUploadedFile("l.png", png()))
    assert answer.status_code == 302  # type: ignore[attr-defined]
    theme = Theme.objects.get(schema_name=tenant_a.schema_name)
    assert (theme.brand, theme.brand_ink, theme.revision) == ("#1a4d8f", "#ffffff", 1)
    connection.set_tenant(tenant_a)
    assert AuditEvent.objects.filter(action="theme.saved").count() == 1
    css = Client(HTTP_HOST=host_for(tenant_a)).get("/theme.css").content.decode()
    assert "--brand: #1a4d8f;" in css
    logo = Client(HTTP_HOST=host_for(tenant_a)).get("/theme/logo.png")
    assert logo["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(logo.content)).size == (40, 40)
    home = Client(HTTP_HOST=host_for(tenant_a)).get("/").content.decode()
    assert 'href="/theme.css?v=1"' in home and "/theme/logo.png?v=" in home


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"brand": "#ffff00", "brand_ink": "#ffffff"}, "brand_ink", "وأقل ما يُقبل ٤٫٥:١"),
        ({"brand": "#9fd3c7", "brand_ink": "#000000"}, "brand", "اختر لونًا أغمق"),
        ({"brand": "red;}</style><script>alert(1)</script>"}, "brand", "RRGGBB"),
        ({"brand": "#0f6e5a; background:url(//evil)"}, "brand", "RRGGBB"),
        ({"brand_ink": "expression(alert(1))"}, "brand_ink", "RRGGBB"),
        ({"default_language": "fr"}, "default_language", "اختر لغة"),
    ],
    ids=["text-unreadable", "links-unreadable", "markup", "css", "css-expression", "language"],
)
def test_bad_colours_are_refused_with_a_field_error_and_nothing_saved(
    tenant_a: Association, fields: dict[str, str], field: str, code: str
) -> None:
    answer = save(admin_client(tenant_a), **fields)
    assert answer.status_code == 400  # type: ignore[attr-defined]
    page = answer.content.decode()  # type: ignore[attr-defined]
    assert f'aria-describedby="err_{field}"' in page
    assert "<script>alert(1)</script>" not in page
    assert code in page
    assert not Theme.objects.filter(schema_name=tenant_a.schema_name).exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("l.png", b"<svg onload=alert(1)>", "image/png"), "PNG أو JPEG فقط"),
        (
            SimpleUploadedFile("l.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "image/png"),
            "تعذّر قراءة الصورة",
        ),
        (SimpleUploadedFile("l.png", png((2400, 10)), "image/png"), "٢٠٠٠ بكسل"),
        (SimpleUploadedFile("l.png", b"\x89PNG\r\n\x1a\n" + b"0" * 600_000, "image/png"), "٥١٢ كيلوبايت"),
    ],
    ids=["svg-pretending", "broken-png", "too-wide", "oversize"],
)
def test_bad_logos_are_refused(tenant_a: Association, upload: SimpleUploadedFile, message: str) -> None:
    answer = save(admin_client(tenant_a), logo=upload)
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert message in answer.content.decode()  # type: ignore[attr-defined]
    assert not Theme.objects.filter(schema_name=tenant_a.schema_name).exists()


def test_a_stale_editor_gets_409_and_overwrites_nothing(tenant_a: Association) -> None:
    client = admin_client(tenant_a)
    assert save(client, brand="#1a4d8f").status_code == 302  # type: ignore[attr-defined]
    assert save(client, brand="#5b2a86", revision="1").status_code == 302  # type: ignore[attr-defined]
    stale = save(client, brand="#0b5345", revision="1")
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert Theme.objects.get(schema_name=tenant_a.schema_name).brand == "#5b2a86"


def test_only_the_association_admin_edits_and_each_association_has_its_own(
    tenant_a: Association, tenant_b: Association
) -> None:
    connection.set_tenant(tenant_a)
    clerk = User.objects.create_user("clerk@alpha.test", PASSWORD, is_staff=True)
    client = Client(HTTP_HOST=host_for(tenant_a))
    client.force_login(clerk)
    assert client.get("/staff/theme/").status_code == 403
    assert save(admin_client(tenant_a), brand="#5b2a86").status_code == 302  # type: ignore[attr-defined]
    other = Client(HTTP_HOST=host_for(tenant_b)).get("/theme.css").content.decode()
    assert "#5b2a86" not in other and "--brand: #0f6e5a;" in other
    assert Client(HTTP_HOST=host_for(tenant_b)).get("/theme/logo.png").status_code == 404


def test_the_default_language_opens_the_pages_in_english(tenant_a: Association) -> None:
    assert save(admin_client(tenant_a), default_language="en").status_code == 302  # type: ignore[attr-defined]
    page = Client(HTTP_HOST=host_for(tenant_a)).get("/privacy/").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    chosen = Client(HTTP_HOST=host_for(tenant_a))
    chosen.cookies["sila_language"] = "ar"
    assert '<html lang="ar" dir="rtl">' in chosen.get("/privacy/").content.decode()


def test_the_api_docs_load_nothing_from_another_site(tenant_a: Association) -> None:
    page = Client(HTTP_HOST=host_for(tenant_a)).get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("redoc.standalone.js" in s for s in sources)
    assert all(s.startswith("/") for s in sources), sources
    script = Client(HTTP_HOST=host_for(tenant_a)).get(next(s for s in sources if "redoc" in s))
    assert script.status_code == 200
