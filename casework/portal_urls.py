from django.urls import path

from casework import portal

urlpatterns = [
    path("t/<str:token>", portal.track, name="portal-track"),
    path("r/<str:token>", portal.rate, name="portal-rate"),
]
