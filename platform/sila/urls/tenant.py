"""An association's site, on <slug>.<base domain> or its custom domain."""

from django.urls import include, path

from casework.portal import site
from sila import theme_editor
from sila.urls.common import urlpatterns as common
from themes import views as theme_views

urlpatterns = [
    path("", site.home, name="association-home"),
    path("theme.css", theme_views.theme_css, name="theme-css"),
    path("theme/logo.png", theme_views.logo, name="theme-logo"),
    path("staff/theme/", theme_editor.edit, name="staff-theme"),
    path("", include("signup.tenant_urls")),
    path("", include("console.tenant_urls")),
    path("", include("billing.tenant_urls")),
    path("api/v1/policy/", include("policy_engine.api.urls")),
    path("api/v1/reports/", include("casework.reports.api_urls")),
    path("api/v1/public/", include("casework.portal.api_urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("casework.api.urls")),
    path("api/v1/", include("casework.privacy.api_urls")),
    path("", include("accounts.urls")),
    path("", include("casework.reports.urls")),
    path("", include("policy_engine.urls")),
    path("", include("casework.portal_urls")),
    path("", include("casework.privacy.urls")),
    path("", include("casework.urls")),
    *common,
]
