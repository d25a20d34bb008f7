"""Billing with Stripe: plans as data, subscriptions granted and removed only by Stripe's webhooks."""
