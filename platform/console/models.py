from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone


class SupportGrant(models.Model):
    """An association admin lets platform support read its data for a stated time; revocable."""

    association = models.ForeignKey(
        "tenants.Association", on_delete=models.CASCADE, related_name="support_grants"
    )
    opened_by_email = models.CharField(max_length=254)
    reason = models.CharField(max_length=300)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_email = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"grant {self.pk} for {self.association_id}"

    def is_open(self, at: datetime | None = None) -> bool:
        now = at or timezone.now()
        return self.revoked_at is None and self.starts_at <= now < self.ends_at


class SupportAccess(models.Model):
    """One page a platform admin read under a grant: the association sees every row."""

    grant = models.ForeignKey(SupportGrant, on_delete=models.CASCADE, related_name="accesses")
    admin_email = models.CharField(max_length=254)
    path = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.admin_email} {self.path}"


class AssociationStats(models.Model):
    """Figures read from each association's own schema by a job, so the console's list is one query
    however many associations there are. Counts only: no beneficiary data."""

    association = models.OneToOneField("tenants.Association", on_delete=models.CASCADE, related_name="stats")
    staff = models.PositiveIntegerField(default=0)
    beneficiaries = models.PositiveIntegerField(default=0)
    open_cases = models.PositiveIntegerField(default=0)
    storage_bytes = models.BigIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"stats {self.association_id}"
