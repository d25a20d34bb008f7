from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    """A plan, as data: what it costs and what it allows (None = no limit)."""

    code = models.SlugField(max_length=40, unique=True)
    name_ar = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    monthly_price_halalas = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="sar")
    max_staff = models.PositiveIntegerField(null=True, blank=True)
    max_open_cases = models.PositiveIntegerField(null=True, blank=True)
    is_free = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def stripe_plan_id(self) -> str:
        """The plan's id in Stripe (a plan id is also usable as a price id in Checkout)."""
        return f"sila_{self.code}_monthly"

    @property
    def monthly_price(self) -> str:
        return f"{self.monthly_price_halalas / 100:,.0f}"


class SubscriptionStatus(models.TextChoices):
    FREE = "free", _("Free plan")
    ACTIVE = "active", _("Paid and current")
    PAST_DUE = "past_due", _("Payment failed: grace period")
    SUSPENDED = "suspended", _("Suspended for non-payment")
    CANCELED = "canceled", _("Cancelled")


class Subscription(models.Model):
    """An association's plan and its Stripe subscription (public schema; one per association)."""

    association = models.OneToOneField(
        "tenants.Association", on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.FREE
    )
    stripe_customer_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_status = models.CharField(max_length=32, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.association_id}: {self.plan_id} ({self.status})"


class Invoice(models.Model):
    """A copy of a Stripe invoice, kept current by webhooks, for the console and the association."""

    stripe_id = models.CharField(max_length=64, unique=True)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="invoices")
    status = models.CharField(max_length=20)
    amount_due = models.IntegerField(default=0)
    amount_paid = models.IntegerField(default=0)
    currency = models.CharField(max_length=3, default="sar")
    hosted_url = models.URLField(blank=True)
    created = models.DateTimeField()

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.stripe_id


class StripeEvent(models.Model):
    """Every webhook event received, once per Stripe event id: a replay finds its row and stops."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20)  # handled | ignored | failed
    association_slug = models.CharField(max_length=41, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
