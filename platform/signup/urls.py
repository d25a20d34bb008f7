from django.urls import path

from signup import api, views

urlpatterns = [
    path("signup/", views.signup_form, name="signup"),
    path("signup/sent/<str:signup_id>/", views.signup_sent, name="signup-sent"),
    path("signup/verify/<str:token>/", views.signup_verify, name="signup-verify"),
    path("signup/<str:signup_id>/progress/", views.signup_progress, name="signup-progress"),
    path("signup/<str:signup_id>/enter/", views.signup_enter, name="signup-enter"),
    path("api/v1/signups/", api.SignupListView.as_view(), name="api-signups"),
    path("api/v1/signups/slug-check", api.SlugCheckView.as_view(), name="api-signups-slug-check"),
    path("api/v1/signups/verify", api.SignupVerifyView.as_view(), name="api-signups-verify"),
    path("api/v1/signups/<str:signup_id>/", api.SignupDetailView.as_view(), name="api-signup"),
]
