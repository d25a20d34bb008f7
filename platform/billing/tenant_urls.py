from django.urls import path

from billing import views

urlpatterns = [
    path("staff/billing/", views.billing_page, name="billing-page"),
]
