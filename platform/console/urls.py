from django.urls import path

from console import fleet_views, grants_views, views

urlpatterns = [
    path("", views.association_list, name="console-list"),
    path("failures/", views.failures, name="console-failures"),
    path("breaches/", views.breach_register, name="console-breaches"),
    path("fleet/", fleet_views.fleet_report, name="console-fleet"),
    path("a/<slug:slug>/", views.association_page, name="console-association"),
    path("a/<slug:slug>/support/", grants_views.support_read, name="console-support"),
    path("a/<slug:slug>/<str:action>/", views.association_action, name="console-action"),
]
