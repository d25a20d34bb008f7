"""The beneficiary registry and support cases of one association (its schema).

Only ``casework.services`` writes these tables; a case's state changes only in
``services.case_transition``, and its timeline is the append-only ``CaseEvent`` table.

Longer than ~500 lines on purpose: these are the app's table declarations only (no behaviour), kept
in the one module Django and its migrations read for the app; each behaviour lives in services,
selectors or the presenter.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from policy_engine.models import PolicyVersion

# --- The registry -------------------------------------------------------------------------------


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Beneficiary(models.Model):
    """A beneficiary (المستفيد): one person, one record, identified by a national ID or iqama."""

    national_id = models.CharField(_("national ID / iqama number"), max_length=10, unique=True)
    full_name_ar = models.CharField(_("full name (Arabic)"), max_length=200)
    # name_search_form(full_name_ar): diacritics, hamza forms, ta marbuta... unified (see validators).
    full_name_normalized = models.CharField(max_length=200, editable=False)
    phone_e164 = models.CharField(_("mobile number"), max_length=16, blank=True, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A record found to be a duplicate points to the one kept; its cases and documents moved there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    # Set once, when the record is irreversibly anonymised (casework.privacy.erasure): the mark
    # the retention job goes by, not the replacement name (a person could bear any name).
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Word-prefix search on the normalised name (pg_trgm is not available everywhere).
            GinIndex(SearchVector("full_name_normalized", config="simple"), name="casework_benef_name_fts"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name_ar} ({self.national_id})"


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    SON = "son", _("Son")
    DAUGHTER = "daughter", _("Daughter")
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    BROTHER = "brother", _("Brother")
    SISTER = "sister", _("Sister")
    OTHER = "other", _("Other")


class HouseholdMember(models.Model):
    """A member of the beneficiary's household (أفراد الأسرة)."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="household")
    full_name_ar = models.CharField(_("full name (Arabic)"), max_length=200)
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    national_id = models.CharField(_("national ID / iqama number"), max_length=10, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name_ar


def document_path(instance: BeneficiaryDocument, filename: str) -> str:
    return f"casework/documents/{uuid.uuid4().hex}/{filename}"


class BeneficiaryDocument(models.Model):
    """A document (PDF, PNG or JPEG, at most 10 MB) in a beneficiary's file."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="documents")
    case = models.ForeignKey(
        "SupportCase", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    kind = models.SlugField(_("kind"), max_length=40, default="other")
    file = models.FileField(upload_to=document_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Dismissed")


class DuplicateFlag(models.Model):
    """Two records that are likely the same person, for staff to merge or dismiss."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="duplicate_flags")
    other = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "other"], name="casework_duplicate_pair_once"),
            models.CheckConstraint(
                condition=~Q(beneficiary=models.F("other")), name="casework_duplicate_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}~{self.other_id} ({self.status})"


# --- Cases --------------------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SERVED = "served", _("Served")


class SupportCase(models.Model):
    """A support request (طلب دعم). It follows the procedure of ``policy_version``, the version in
    force when it was opened, whatever comes into force later."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="cases")
    channel = models.CharField(_("channel"), max_length=60)
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=6, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    step = models.CharField(_("current step"), max_length=30)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CaseOutcome.choices, blank=True)
    closed_reason = models.TextField(_("reason for closing"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copied from the pinned version when the case opens, so lists can filter on them.
    referral_target = models.CharField(max_length=40, blank=True)
    deciding_body = models.CharField(max_length=40)
    # The applicant's answers to the pinned version's intake form, as checked by the engine.
    intake = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    submitted_for_decision_at = models.DateTimeField(null=True, blank=True)
    decision_due = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency: every change bumps it; a caller may name the revision it saw.
    revision = models.PositiveIntegerField(default=1)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "step", "-id"], name="casework_case_inbox"),
            # The API's inbox filters on the step alone too (counting 30,000 of 100,000 cases by
            # this index takes about half the time of a scan of the table).
            models.Index(fields=["step", "-id"], name="casework_case_step"),
            models.Index(fields=["channel", "-id"], name="casework_case_channel"),
            models.Index(
                fields=["decision_due"],
                condition=Q(status="open", step="committee_review"),
                name="casework_case_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.step}, {self.status})"


class CaseEvent(models.Model):
    """One entry of a case's timeline: who did what, from which step to which, with what data.
    Append-only: rows are never changed or deleted."""

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    from_step = models.CharField(max_length=30, blank=True)
    to_step = models.CharField(max_length=30, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "id"], name="casework_event_case")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action} {self.from_step}->{self.to_step}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)


class ItemKind(models.TextChoices):
    INFO = "info", _("Information")
    DOCUMENT = "document", _("Document")


class ChecklistItem(models.Model):
    """An item of information or a document the receive/verify steps require, verified by a
    named employee at a recorded time."""

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="checklist")
    step = models.CharField(max_length=30)
    code = models.SlugField(max_length=40)
    label_ar = models.CharField(max_length=200)
    label_en = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=ItemKind.choices, default=ItemKind.INFO)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    document = models.ForeignKey(
        BeneficiaryDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="casework_item_once")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.code}"


class Referral(models.Model):
    """A question referred to the referral target (الإحالة), and its answer."""

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="referrals")
    target = models.CharField(max_length=40)
    question = models.TextField()
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target", "case"], name="casework_referral_target")]

    def __str__(self) -> str:
        return f"referral {self.pk} to {self.target}"


class AttestationMethod(models.TextChoices):
    IN_OFFICE = "in_office", _("Signed in the office")
    PORTAL = "portal", _("Confirmed in the beneficiary portal")


class Attestation(models.Model):
    """The applicant's signed confirmation that the data is correct (إقرار بصحة البيانات), bound to
    the SHA-256 of exactly the data shown; void as soon as that data changes."""

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="attestations")
    method = models.CharField(max_length=10, choices=AttestationMethod.choices)
    typed_name = models.CharField(max_length=200)
    signature_png = models.TextField(blank=True, help_text="data:image/png;base64,…")
    data = models.JSONField(encoder=DjangoJSONEncoder)
    data_sha256 = models.CharField(max_length=64)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"attestation {self.pk} of case {self.case_id}"


class CommitteeSettings(models.Model):
    """How many votes the research committee needs to decide (one row per association)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    quorum = models.PositiveSmallIntegerField(
        _("votes needed"), null=True, blank=True, help_text=_("Empty: a majority of the active members.")
    )

    def __str__(self) -> str:
        return f"committee quorum {self.quorum or 'majority'}"


class VoteChoice(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")


class CommitteeVote(models.Model):
    """A research committee member's vote (لجنة البحث) on a case, with its reason."""

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=6, choices=VoteChoice.choices)
    reason = models.TextField()
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="casework_one_vote_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.choice} case {self.case_id}"


class Decision(models.Model):
    """The deciding body's answer: accept or reject, with the reason and (committee) minutes."""

    case = models.OneToOneField(SupportCase, on_delete=models.CASCADE, related_name="decision")
    body = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=CaseOutcome.choices)
    reason = models.TextField(blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    votes_accept = models.PositiveSmallIntegerField(default=0)
    votes_reject = models.PositiveSmallIntegerField(default=0)
    quorum = models.PositiveSmallIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.outcome}"


class ServiceDelivery(models.Model):
    """A service delivered to the beneficiary (تقديم الخدمة): money or in kind."""

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="services")
    kind = models.SlugField(_("kind"), max_length=40)
    amount = models.DecimalField(_("amount (SAR)"), max_digits=12, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("in-kind description"), blank=True)
    delivered_on = models.DateField(_("date"))
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivered_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind} for case {self.case_id}"


class SatisfactionRating(models.Model):
    """The beneficiary's rating of one service delivered (1-5 and a comment), once per service: a
    request served in several deliveries (a voucher, then the rent) is rated for each. Ratings of
    one employee are shown only in aggregate: evaluation is "a tool for improvement, not for
    punishment"."""

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="ratings")
    service = models.OneToOneField(ServiceDelivery, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="casework_rating_1_to_5")
        ]

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.score}"


# --- API plumbing that lives in each association's schema ---------------------------------------


class ApiToken(models.Model):
    """A personal API token (``Authorization: Bearer sila_<prefix>_<secret>``). Only its SHA-256 is
    kept; it lives in its association's schema, so it works on that association's host only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class IdempotencyKey(models.Model):
    """The stored answer to a create request sent with an ``Idempotency-Key`` header."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="casework_idempotency_key_once")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


# --- Reaching the beneficiary and the staff ------------------------------------------------------


class NotificationKind(models.TextChoices):
    REQUEST_RECEIVED = "request_received", _("Request received")
    DECISION_REMINDER = "decision_reminder", _("Decision due soon")
    DECISION_OVERDUE = "decision_overdue", _("Decision overdue")
    SATISFACTION_REQUEST = "satisfaction_request", _("Satisfaction request")
    DECISION = "decision", _("Decision")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Notification(models.Model):
    """One message sent (or tried) for a case. ``dedupe_key`` is unique: a job that runs again for
    the same event finds its row and sends nothing."""

    case = models.ForeignKey(
        SupportCase, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    channel = models.CharField(max_length=8, choices=NotificationChannel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"


class LinkPurpose(models.TextChoices):
    TRACK = "track", _("Follow the request")
    RATE = "rate", _("Rate the service")


class BeneficiaryLink(models.Model):
    """A secret link sent to the beneficiary (by SMS) to follow a request or rate the service,
    without an account. Only the token's SHA-256 is stored."""

    case = models.ForeignKey(SupportCase, on_delete=models.CASCADE, related_name="links")
    purpose = models.CharField(max_length=8, choices=LinkPurpose.choices)
    token_sha256 = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.purpose} link for case {self.case_id}"


# The beneficiary portal's tables (tracking references, sign-in codes, portal sessions, SMS
# deliveries) are casework models kept beside the portal's code.
from casework.portal.models import (  # noqa: E402, F401
    OtpChallenge,
    PortalSession,
    SmsDelivery,
    SmsPurpose,
    SmsStatus,
    TrackingReference,
)
