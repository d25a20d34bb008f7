from django.urls import path

from billing import webhooks

urlpatterns = [
    path("billing/stripe/webhook/", webhooks.stripe_webhook, name="billing-stripe-webhook"),
]
