from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class SignupStatus(models.TextChoices):
    PENDING_VERIFICATION = "pending_verification", _("Waiting for the email to be verified")
    PROVISIONING = "provisioning", _("Preparing the site")
    ACTIVE = "active", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


#: Statuses that hold a subdomain: a second sign-up cannot take it while one of these exists.
HOLDING = (SignupStatus.PENDING_VERIFICATION, SignupStatus.PROVISIONING, SignupStatus.ACTIVE)


class Signup(models.Model):
    """A charity's request to join, from the form to its running site (public schema).

    The admin's password is kept only as a hash and dropped once the site exists; tokens are kept
    only as SHA-256 hashes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        max_length=24, choices=SignupStatus.choices, default=SignupStatus.PENDING_VERIFICATION
    )
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    licence_number = models.CharField(max_length=10, blank=True)
    sector = models.CharField(max_length=40)
    region = models.CharField(max_length=40)
    admin_name = models.CharField(max_length=150)
    admin_email = models.EmailField(max_length=254)
    password_hash = models.CharField(max_length=256, blank=True)
    slug = models.CharField(max_length=32)
    template = models.CharField(max_length=41)
    language = models.CharField(max_length=5, default="ar")
    accepted_terms_at = models.DateTimeField()
    # A keyed hash of the client's address (signup.limits), for the per-address limit; blank when
    # the sign-up did not come from a client (a command, a test).
    client_key = models.CharField(max_length=64, blank=True)

    verification_sha256 = models.CharField(max_length=64, unique=True)
    verification_expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)

    handoff_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    handoff_expires_at = models.DateTimeField(null=True, blank=True)
    handoff_used_at = models.DateTimeField(null=True, blank=True)

    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=40, blank=True)
    association = models.ForeignKey(
        "tenants.Association", null=True, blank=True, on_delete=models.SET_NULL, related_name="signups"
    )
    error_code = models.CharField(max_length=40, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    provisioning_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["client_key", "created_at"], name="signup_client_recent"),
            models.Index(Lower("admin_email"), "created_at", name="signup_email_recent"),
        ]
        constraints = [
            # Racing sign-ups for one subdomain: the database lets exactly one hold it.
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(status__in=[s.value for s in HOLDING]),
                name="signup_one_holder_per_slug",
            ),
            models.UniqueConstraint(
                Lower("admin_email"),
                condition=models.Q(status=SignupStatus.PENDING_VERIFICATION),
                name="signup_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} ({self.status})"
