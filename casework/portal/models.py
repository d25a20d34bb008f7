"""What the beneficiary's side keeps, in the association's schema: tracking references, one-time
sign-in codes (hashed), portal sessions (hashed tokens) and the delivery of every text message.

These are casework models (``app_label`` casework); ``casework.models`` imports them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TrackingReference(models.Model):
    """The reference a person quotes and the portal shows for a request («J7K-3Q9X»): random, so
    that one reference says nothing about any other. (The intake form's answers are the case's.)"""

    case = models.OneToOneField("casework.SupportCase", on_delete=models.CASCADE, related_name="tracking")
    reference = models.CharField(max_length=12, unique=True)
    online = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "casework"

    def __str__(self) -> str:
        return self.reference


class OtpChallenge(models.Model):
    """A one-time sign-in code asked for a mobile number. The code itself is never stored: the row
    keeps a random nonce (the code is derived from it and the server's secret when the text is
    sent) and the HMAC the answer is checked against. A row exists for unknown numbers too, so that
    asking, and the limits on asking, look the same for everyone; no text is sent to them."""

    phone_e164 = models.CharField(max_length=16)
    nonce = models.CharField(max_length=32)
    code_hmac = models.CharField(max_length=64)
    # An HMAC of the client's address: enough to count requests per address, not to recover it.
    client_key = models.CharField(max_length=64)
    known = models.BooleanField(default=False)
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "casework"
        indexes = [
            models.Index(fields=["phone_e164", "-created_at"], name="casework_otp_phone"),
            models.Index(fields=["client_key", "-created_at"], name="casework_otp_client"),
        ]

    def __str__(self) -> str:
        return f"code {self.pk}"


class PortalSession(models.Model):
    """A signed-in beneficiary (by mobile number) for a short while: the API's bearer token or the
    browser's session. Only the token's SHA-256 is kept."""

    token_sha256 = models.CharField(max_length=64, unique=True)
    phone_e164 = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "casework"

    def __str__(self) -> str:
        return f"portal session {self.pk}"


class SmsStatus(models.TextChoices):
    SENT = "sent", _("Sent, awaiting the delivery report")
    DELIVERED = "delivered", _("Delivered to the phone")
    UNDELIVERED = "undelivered", _("Not delivered to the phone")
    REFUSED = "refused", _("Refused by the gateway")
    FAILED = "failed", _("Not sent: the gateway could not be reached")


class SmsPurpose(models.TextChoices):
    CASE_MESSAGE = "case_message", _("Message about a request")
    SIGN_IN_CODE = "sign_in_code", _("Sign-in code")


class SmsDelivery(models.Model):
    """What became of one text message: the gateway's answer, its message id, how many tries it
    took and, once the gateway reports it, whether it reached the phone. The number is kept
    masked; a sign-in code's text is not kept at all."""

    notification = models.ForeignKey(
        "casework.Notification", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    purpose = models.CharField(max_length=20, choices=SmsPurpose.choices)
    recipient_masked = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=SmsStatus.choices)
    provider_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    # The gateway's delivery report (casework.sms_reports): when the phone got it, when the report
    # came, and the gateway's own words (e.g. "Absent subscriber"), never the number or the text.
    delivered_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    report = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "casework"
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["provider_id"], condition=~Q(provider_id=""), name="casework_sms_provider_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.status}"
