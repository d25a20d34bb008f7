from django.urls import path

from console import grants_views, views

urlpatterns = [
    path("", views.association_list, name="console-list"),
    path("failures/", views.failures, name="console-failures"),
    path("a/<slug:slug>/", views.association_page, name="console-association"),
    path("a/<slug:slug>/support/", grants_views.support_read, name="console-support"),
    path("a/<slug:slug>/<str:action>/", views.association_action, name="console-action"),
]
