from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    PROVISIONING = "provisioning", _("Provisioning")
    WEBHOOK = "webhook", _("Payment notification")
    BILLING = "billing", _("Billing")


class Incident(models.Model):
    """A failure the platform's operators must see in the console; the same error goes to Sentry.

    Holds no personal data: the association's slug, what failed and the exception's type."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    association_slug = models.CharField(max_length=41, blank=True, db_index=True)
    summary = models.CharField(max_length=300)
    error_type = models.CharField(max_length=120, blank=True)
    sentry_event_id = models.CharField(max_length=64, blank=True)
    reference = models.CharField(max_length=120, blank=True)  # a sign-up id or a Stripe event id

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"


class StatusChange(models.Model):
    """Why and by whom an association was suspended, reactivated or archived (public schema)."""

    association = models.ForeignKey(
        "tenants.Association", on_delete=models.CASCADE, related_name="status_changes"
    )
    old_status = models.CharField(max_length=10)
    new_status = models.CharField(max_length=10)
    reason = models.CharField(max_length=300)
    actor_email = models.CharField(max_length=254, blank=True)  # blank: the billing grace job
    created_at = models.DateTimeField(auto_now_add=True)
    purge_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.association_id}: {self.old_status} -> {self.new_status}"

    @staticmethod
    def _label(status: str) -> str:
        from tenants.models import AssociationStatus

        return str(AssociationStatus(status).label) if status in AssociationStatus.values else status

    @property
    def old_label(self) -> str:
        return self._label(self.old_status)

    @property
    def new_label(self) -> str:
        return self._label(self.new_status)

    @property
    def reason_label(self) -> str:
        """The reason as written, or in words for the ones the platform writes itself."""
        automatic = {
            "payment": _("Payment not received after the grace period"),
            "payment received": _("Payment received"),
            "reactivated": _("Reactivated"),
            "purged": _("Data purged"),
        }
        return str(automatic.get(self.reason, self.reason))


class PlatformBreach(models.Model):
    """A personal data breach on Sila's side (as the associations' processor): what happened, the
    data, people and associations affected, when it was found, the 72 hours to notify, the
    notifications made (the authority, the associations) and the measures taken."""

    what_happened = models.TextField()
    data_affected = models.TextField()
    people_affected = models.PositiveIntegerField()
    associations = models.TextField(blank=True)  # the slugs of the associations affected
    found_at = models.DateTimeField()
    authority_notified_at = models.DateTimeField(null=True, blank=True)
    people_notified_at = models.DateTimeField(null=True, blank=True)  # the associations (controllers)
    notifications = models.TextField(blank=True)
    measures = models.TextField(blank=True)
    recorded_by_email = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-found_at", "-id"]

    def __str__(self) -> str:
        return f"platform breach {self.pk}"
