from django.urls import path

from accounts import views

urlpatterns = [
    path("staff/team/", views.team, name="team"),
    path("staff/security/", views.security, name="team-security"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
