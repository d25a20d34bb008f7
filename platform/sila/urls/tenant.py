"""An association's site, on <slug>.<base domain> or its custom domain."""

from django.urls import include, path

from sila import views
from sila.urls.common import urlpatterns as common

urlpatterns = [
    path("", views.association_home, name="association-home"),
    path("", include("signup.tenant_urls")),
    path("", include("console.tenant_urls")),
    path("", include("billing.tenant_urls")),
    path("api/v1/policy/", include("policy_engine.api.urls")),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("casework.api.urls")),
    path("", include("accounts.urls")),
    path("", include("policy_engine.urls")),
    path("", include("casework.portal_urls")),
    path("", include("casework.urls")),
    *common,
]
