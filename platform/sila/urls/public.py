"""The platform's own site, on the bare base domain."""

from django.urls import include, path

from casework.sms_callback import delivery_reports
from sila import views
from sila.urls.common import urlpatterns as common

urlpatterns = [
    path("", views.platform_home, name="platform-home"),
    path("", include("signup.urls")),
    path("", include("billing.urls")),
    path("console/", include("console.urls")),
    # The SMS gateway's delivery reports, for every association (casework.sms_callback).
    path("sms/delivery-reports/", delivery_reports, name="sms-delivery-reports"),
    *common,
]
