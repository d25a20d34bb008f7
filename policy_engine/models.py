"""The beneficiary-relations policy (سياسة تنظيم العلاقة مع المستفيدين) as versioned data.

A version's ``document`` is the whole policy as a JSON document (see ``rules/document.py``);
``rules/`` validates it and answers questions about it without Django. Only
``policy_engine.services`` writes these tables.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the board")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class BoardRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    SECRETARY = "secretary", _("Secretary")
    TREASURER = "treasurer", _("Treasurer")
    MEMBER = "member", _("Member")


BOARD_ROLE_AR = {
    BoardRole.CHAIR: "رئيس مجلس الإدارة",
    BoardRole.VICE_CHAIR: "نائب رئيس مجلس الإدارة",
    BoardRole.SECRETARY: "أمين السر",
    BoardRole.TREASURER: "أمين الصندوق",
    BoardRole.MEMBER: "عضو مجلس الإدارة",
}


class BoardMember(models.Model):
    """A member of the association's board of directors (مجلس الإدارة)."""

    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    role = models.CharField(
        _("board role"), max_length=12, choices=BoardRole.choices, default=BoardRole.MEMBER
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="board_member",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["role", "name_ar"]

    def __str__(self) -> str:
        return self.name_ar

    @property
    def role_ar(self) -> str:
        return BOARD_ROLE_AR[BoardRole(self.role)]


class BoardSettings(models.Model):
    """How many approving votes approve a policy version (one row per association)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    quorum = models.PositiveSmallIntegerField(
        _("approvals needed"),
        null=True,
        blank=True,
        help_text=_("Empty: a majority of the active board members."),
    )

    def __str__(self) -> str:
        return f"quorum {self.quorum or 'majority'}"


class PolicyVersion(models.Model):
    number = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    document = models.JSONField(_("policy document"))
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Optimistic concurrency: every save of a draft must name the revision it started from.
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    in_force_from = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="in_force"), name="policy_one_version_in_force"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status == PolicyStatus.DRAFT


class ApprovalMethod(models.TextChoices):
    IN_APP = "in_app", _("Voted in Sila")
    PAPER = "paper", _("Recorded from a signed paper")


def approval_scan_path(instance: BoardApproval, filename: str) -> str:
    return f"policy/approvals/{uuid.uuid4().hex}/{filename}"


class BoardApproval(models.Model):
    """The board's approval of one version (اعتماد مجلس الإدارة)."""

    version = models.OneToOneField(PolicyVersion, on_delete=models.PROTECT, related_name="approval")
    method = models.CharField(max_length=8, choices=ApprovalMethod.choices)
    meeting_number = models.CharField(_("meeting number"), max_length=40, blank=True)
    term = models.CharField(_("board term"), max_length=80, blank=True)
    session = models.CharField(_("session"), max_length=80, blank=True)
    date_gregorian = models.DateField(_("date (Gregorian)"))
    date_hijri = models.CharField(_("date (Hijri, Umm al-Qura)"), max_length=10)
    scan = models.FileField(_("scan of the signed page"), upload_to=approval_scan_path, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"approval of v{self.version.number}"


class ApprovalSignatory(models.Model):
    approval = models.ForeignKey(BoardApproval, on_delete=models.CASCADE, related_name="signatories")
    name = models.CharField(_("name"), max_length=200)
    role_ar = models.CharField(_("role (Arabic)"), max_length=120)
    role_en = models.CharField(_("role (English)"), max_length=120, blank=True)
    board_member = models.ForeignKey(BoardMember, null=True, blank=True, on_delete=models.SET_NULL)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class VoteChoice(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class BoardVote(models.Model):
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(BoardMember, on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(max_length=8, choices=VoteChoice.choices)
    comment = models.TextField(blank=True)
    cast_at = models.DateTimeField(auto_now_add=True)
    # How the member confirmed it was them just before signing: "mfa:totp", "mfa:webauthn",
    # "mfa:recovery_codes" or "password" (members without a second factor).
    reauthenticated_by = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["cast_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "member"], name="policy_one_vote_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.choice} v{self.version.number}"


class StaffAcknowledgment(models.Model):
    """A staff member's signature that they have read the version in force (Mawsam requires it)."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="acknowledgments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    signed_name = models.CharField(_("signed name"), max_length=200)
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="policy_one_ack_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} read v{self.version.number}"


def attachment_path(instance: PolicyAttachment, filename: str) -> str:
    return f"policy/attachments/{instance.id.hex}/{filename}"


class PolicyAttachment(models.Model):
    """An uploaded document a staff tool points to (e.g. the bylaws PDF)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name
