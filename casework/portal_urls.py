from django.urls import path

from casework.portal import links, site, views

urlpatterns = [
    path("t/<str:token>", links.track, name="portal-track"),
    path("r/<str:token>", links.rate, name="portal-rate"),
    path("apply/", views.apply, name="portal-apply"),
    path("apply/done/<str:reference>", views.apply_done, name="portal-apply-done"),
    path("privacy/", site.privacy, name="site-privacy"),
    path("portal/", views.sign_in, name="portal-sign-in"),
    path("portal/code", views.enter_code, name="portal-code"),
    path("portal/sign-out", views.sign_out, name="portal-sign-out"),
    path("portal/requests/", views.my_requests, name="portal-requests"),
    path("portal/requests/<str:reference>/", views.request_detail, name="portal-request"),
    path("portal/my-data/", views.my_data, name="portal-privacy"),
]
