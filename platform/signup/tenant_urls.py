from django.urls import path

from signup import views

urlpatterns = [
    path("welcome/", views.welcome, name="signup-welcome"),
    path("welcome/enter/<str:token>/", views.welcome_enter, name="signup-welcome-enter"),
]
