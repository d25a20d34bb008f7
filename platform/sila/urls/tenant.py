"""An association's site, on <slug>.<base domain> or its custom domain."""

from django.urls import include, path

from casework.portal import site
from sila.urls.common import urlpatterns as common

urlpatterns = [
    path("", site.home, name="association-home"),
    path("api/v1/policy/", include("policy_engine.api.urls")),
    path("api/v1/public/", include("casework.portal.api_urls")),
    path("api/v1/", include("casework.api.urls")),
    path("", include("policy_engine.urls")),
    path("", include("casework.portal_urls")),
    path("", include("casework.urls")),
    *common,
]
