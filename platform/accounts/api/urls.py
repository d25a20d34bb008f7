from django.urls import path

from accounts.api import views

urlpatterns = [
    path("staff/", views.StaffListView.as_view(), name="team-staff"),
    path("staff/invitations/", views.InvitationCreateView.as_view(), name="team-invitations"),
    path("staff/<int:pk>/", views.StaffDetailView.as_view(), name="team-staff-detail"),
]
