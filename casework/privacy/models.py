"""What an association keeps to meet the Personal Data Protection Law (نظام حماية البيانات الشخصية)
as the controller of its beneficiaries' data: its privacy notice's versions, the purpose, lawful
basis and consents recorded at intake, the rights requests of the people it serves, and the log of
who read whose record (docs/adr/0019-privacy-by-law-and-by-design.md).

Only ``casework.privacy.services`` writes these tables."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PrivacyNotice(models.Model):
    """One published version of the association's privacy notice (إشعار الخصوصية). Versions are
    never changed: a request records the version its applicant saw."""

    version = models.PositiveIntegerField(unique=True)
    body_ar = models.TextField(_("notice (Arabic)"))
    body_en = models.TextField(_("notice (English)"))
    from_template = models.BooleanField(default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"privacy notice v{self.version}"


class LawfulBasis(models.TextChoices):
    """The lawful bases the law gives for processing (PDPL art. 5-6)."""

    REQUEST = "request", _("The person's own request for a service")
    CONSENT = "consent", _("The person's consent")
    LEGAL_OBLIGATION = "legal_obligation", _("A legal obligation of the association")
    VITAL_INTEREST = "vital_interest", _("The person's vital interest")


class Purpose(models.TextChoices):
    STUDY_AND_SERVE = "study_and_serve", _("Study the request and serve it")
    FOLLOW_UP = "follow_up", _("Follow up and measure satisfaction")
    REPORTING = "reporting", _("Reports to the board and the regulator (figures only)")


class CaseProcessing(models.Model):
    """Why and on what basis a request's data is processed, and the notice its applicant saw."""

    case = models.OneToOneField("casework.SupportCase", on_delete=models.CASCADE, related_name="processing")
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    purposes = models.JSONField(default=list)
    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, related_name="+")
    # False for requests opened by the system (demo data, imports): nobody was asked to consent.
    consents_asked = models.BooleanField(default=True)
    via = models.CharField(max_length=8, default="office")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.lawful_basis}"


class ConsentKind(models.TextChoices):
    SMS = "sms", _("Text messages about my requests")
    CROSS_CHECK = "cross_check", _("Check with other associations whether I am already served")
    CROSS_CHECK_NAMED = (
        "cross_check_named",
        _("Tell other associations that check which association serves me, and in what"),
    )


class ConsentVia(models.TextChoices):
    OFFICE = "office", _("In the office")
    PORTAL = "portal", _("On the association's website")
    API = "api", _("Through the API")


class Consent(models.Model):
    """A consent a beneficiary gave, with the notice version they saw; withdrawing it keeps the
    row (the record of when and how) and ends its effect."""

    beneficiary = models.ForeignKey("casework.Beneficiary", on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    case = models.ForeignKey(
        "casework.SupportCase", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, related_name="+")
    given_via = models.CharField(max_length=8, choices=ConsentVia.choices)
    given_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_via = models.CharField(max_length=8, choices=ConsentVia.choices, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "kind"],
                condition=Q(withdrawn_at__isnull=True),
                name="privacy_one_active_consent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}: {self.kind}{' (withdrawn)' if self.withdrawn_at else ''}"


class AccessAction(models.TextChoices):
    VIEW = "view", _("Read")
    LIST = "list", _("Shown in a list")
    DOWNLOAD = "download", _("Downloaded a document")
    EXPORT = "export", _("Exported")
    CROSS_CHECK = "cross_check", _("Checked with other associations")


class AccessLogEntry(models.Model):
    """One read of a beneficiary's record, case or document by staff, or one export: who, what,
    when and through which screen or API operation. Kept by ids (the row outlives the user).

    A list (the inbox, the registry, the committee's queue) is one row per page shown
    (``action=list``), with the ids of the records on it: one insert, whatever the page size."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user_id = models.BigIntegerField(null=True)
    user_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=12, choices=AccessAction.choices)
    beneficiary_id = models.BigIntegerField(null=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    document_id = models.BigIntegerField(null=True, blank=True)
    via = models.CharField(max_length=120)
    listed_beneficiaries = ArrayField(models.BigIntegerField(), default=list, blank=True)
    listed_cases = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["beneficiary_id", "-at"], name="privacy_access_benef"),
            models.Index(fields=["user_id", "action", "-at"], name="privacy_access_user"),
            # One person's appearances in lists (their access export, the admin's filter).
            GinIndex(fields=["listed_beneficiaries"], name="privacy_access_listed"),
        ]

    def __str__(self) -> str:
        return f"{self.user_email} {self.action} {self.beneficiary_id} via {self.via}"


class RightKind(models.TextChoices):
    ACCESS = "access", _("Access to my data")
    CORRECTION = "correction", _("Correction of my data")
    ERASURE = "erasure", _("Erasure of my data")
    RESTRICTION = "restriction", _("Restriction of my data")


class RightStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class RightsRequest(models.Model):
    """A request of a person to exercise a right the law gives them, handled by the association's
    admin within the law's time (30 days)."""

    beneficiary = models.ForeignKey(
        "casework.Beneficiary", on_delete=models.PROTECT, related_name="rights_requests"
    )
    kind = models.CharField(max_length=12, choices=RightKind.choices)
    status = models.CharField(max_length=8, choices=RightStatus.choices, default=RightStatus.OPEN)
    details = models.TextField(blank=True)
    received_via = models.CharField(max_length=8, choices=ConsentVia.choices, default=ConsentVia.OFFICE)
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True)
    export = models.FileField(upload_to="privacy/exports/", blank=True)
    # When the retention job deleted the export (SILA_ACCESS_EXPORT_DAYS after it was prepared).
    export_expired_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk} ({self.status})"


class RecordHold(models.Model):
    """A beneficiary's record restricted (تقييد): hidden from search and lists, kept only for the
    legal purpose until ``erase_after``, when the retention job anonymises it."""

    beneficiary = models.OneToOneField("casework.Beneficiary", on_delete=models.CASCADE, related_name="hold")
    restricted_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=20)  # "erasure" (kept by law) or "restriction" (asked)
    erase_after = models.DateTimeField(null=True, blank=True)
    request = models.ForeignKey(
        RightsRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"hold on {self.beneficiary_id} until {self.erase_after}"


class RetentionClass(models.TextChoices):
    SERVED = "served", _("Records of requests that received support")
    OTHER = "other", _("Records of requests rejected or withdrawn")
    ACCESS_LOG = "access_log", _("The access log")


class RetentionRule(models.Model):
    """How many years the association keeps a class of records after the last request closed
    (defaults and bounds in ``casework.privacy.retention``)."""

    data_class = models.CharField(max_length=12, choices=RetentionClass.choices, unique=True)
    years = models.PositiveSmallIntegerField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.data_class}: {self.years} years"


class RetentionRun(models.Model):
    """What one run of the retention job did."""

    ran_at = models.DateTimeField(auto_now_add=True)
    anonymised = models.PositiveIntegerField(default=0)
    access_log_deleted = models.PositiveIntegerField(default=0)
    exports_expired = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"retention run {self.ran_at:%Y-%m-%d}: {self.anonymised} anonymised"


class Breach(models.Model):
    """A personal data breach (تسرب أو انتهاك للبيانات الشخصية) the association found: what happened,
    which data and how many people, when it was found, the 72 hours it has to notify the
    authority (SDAIA), the notifications made and the measures taken."""

    what_happened = models.TextField(_("what happened"))
    data_affected = models.TextField(_("data affected"))
    people_affected = models.PositiveIntegerField(_("people affected"))
    found_at = models.DateTimeField(_("found at"))
    authority_notified_at = models.DateTimeField(_("authority notified at"), null=True, blank=True)
    people_notified_at = models.DateTimeField(_("people notified at"), null=True, blank=True)
    notifications = models.TextField(_("notifications made"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-found_at", "-id"]

    def __str__(self) -> str:
        return f"breach {self.pk} found {self.found_at:%Y-%m-%d}"
