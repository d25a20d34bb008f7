from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,40}$",
    _("Use 2–41 lowercase Latin letters, digits or hyphens, starting with a letter."),
)


class AssociationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ARCHIVED = "archived", _("Archived")


class Association(TenantMixin):
    """An association (جمعية): one charity, one PostgreSQL schema."""

    slug = models.CharField(_("slug"), max_length=41, unique=True, validators=[slug_validator])
    name_ar = models.CharField(_("Arabic name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    licence_number = models.CharField(_("licence number"), max_length=30, blank=True)
    sector = models.CharField(_("sector"), max_length=60, blank=True)
    sector_ar = models.CharField(_("sector (Arabic)"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AssociationStatus.choices, default=AssociationStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Schemas are made by tenants.services.association_provision (clone or migrate), never by save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["slug"]
        verbose_name = _("association")
        verbose_name_plural = _("associations")

    def __str__(self) -> str:
        return f"{self.name_ar} ({self.slug})"

    @property
    def is_serving(self) -> bool:
        return self.status == AssociationStatus.ACTIVE


class Domain(DomainMixin):
    """A host name that routes to an association (<slug>.<base domain>, or a custom domain)."""

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class RoutingEpoch(models.Model):
    """A counter bumped whenever a domain or association changes.

    Each web process keeps host→association routes in memory; it compares this counter every few
    seconds and drops its routes when it moved, so a change made by another process is seen quickly
    without a query per request.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"routing epoch {self.value}"


class CrossCheckEntry(models.Model):
    """One association's mark that it serves the person whose national ID has this keyed hash
    (HMAC-SHA-256 with a platform secret that never leaves the server): the whole of what crosses
    between associations for the consented duplicate check. No name, phone or case is here; the
    association and its support category are told to others only when ``named`` (the person
    consented to that too). See docs/adr/0019."""

    id_hmac = models.CharField(max_length=64)
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")
    category_ar = models.CharField(max_length=120, blank=True)
    category_en = models.CharField(max_length=120, blank=True)
    named = models.BooleanField(default=False)
    registered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["id_hmac", "association"], name="tenants_crosscheck_once")
        ]
        indexes = [models.Index(fields=["id_hmac"], name="tenants_crosscheck_hmac")]

    def __str__(self) -> str:
        return f"cross-check mark of {self.association_id}"


class SmsRoute(models.Model):
    """Which association's schema holds the text message the gateway knows by ``provider_id``.

    The gateway sends every delivery report to one platform-wide address, naming only its own
    message id; this row (public schema: the id and a schema name, nothing personal) sends the
    report to the association that sent the message, and only there. Kept a week: reports come
    within hours."""

    provider_id = models.CharField(max_length=100, unique=True)
    schema_name = models.CharField(max_length=63)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"SMS {self.provider_id} -> {self.schema_name}"
