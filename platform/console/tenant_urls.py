from django.urls import path

from console import grants_views

urlpatterns = [
    path("staff/support/", grants_views.support_grants_page, name="support-grants"),
]
