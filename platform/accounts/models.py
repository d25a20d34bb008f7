from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleScope(models.TextChoices):
    PLATFORM = "platform", _("Platform")
    ASSOCIATION = "association", _("Association")


class RoleCode:
    """The roles Sila knows. Rows in ``Role`` carry their labels; code refers to these constants."""

    PLATFORM_ADMIN = "platform_admin"
    PLATFORM_BILLING = "platform_billing"
    ASSOCIATION_ADMIN = "association_admin"
    RECEPTION_EMPLOYEE = "reception_employee"
    SOCIAL_RESEARCH_OFFICER = "social_research_officer"
    COMMITTEE_MEMBER = "committee_member"
    ADMINISTRATION = "administration"
    BOARD_MEMBER = "board_member"


class Role(models.Model):
    """A role (دور) a user can hold; which schema holds it decides where it applies."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    scope = models.CharField(_("scope"), max_length=12, choices=RoleScope.choices)
    name_ar = models.CharField(_("Arabic name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    description_ar = models.TextField(_("Arabic description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)

    class Meta:
        ordering = ["scope", "code"]

    def __str__(self) -> str:
        return self.code


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in. Each schema has its own users: an association's staff exist only in
    that association's schema, and so can sign in only on its host."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=[("ar", "العربية"), ("en", "English")], default="ar"
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("roles"))
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), auto_now_add=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def has_role(self, code: str) -> bool:
        return self.roles.filter(code=code).exists()

    def holds_any(self, codes: tuple[str, ...] | frozenset[str] | set[str]) -> bool:
        """THE role check (API permissions, screens and services all ask this): an active account
        holding one of ``codes``; a superuser holds every role."""
        return bool(self.is_active and (self.is_superuser or set(codes) & self.role_codes()))

    def role_codes(self) -> frozenset[str]:
        """The user's role codes, read once per user object (a request's user is one object), so
        permission checks, screens and the header share one query."""
        cached: frozenset[str] | None = self.__dict__.get("_role_codes")
        if cached is None:
            cached = frozenset(self.roles.values_list("code", flat=True))
            self.__dict__["_role_codes"] = cached
        return cached


class SecuritySettings(models.Model):
    """An association's own security choices (one row per schema; the public schema's row is the
    platform's). Read through ``accounts.security.security_settings()``, which caches it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    mfa_required_for_all = models.BooleanField(_("MFA for everyone"), default=False)
    idle_timeout_minutes = models.PositiveIntegerField(_("sign out after idle minutes"), default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("security settings")

    def __str__(self) -> str:
        return f"security settings (MFA for everyone: {self.mfa_required_for_all})"


class Invitation(models.Model):
    """An invitation to join this association's team: a single-use link (only its SHA-256 is
    kept) valid for seven days. Accepting it creates the account with the roles given here."""

    email = models.EmailField(_("email"))
    roles = models.ManyToManyField(Role, related_name="+", verbose_name=_("roles"))
    # A board seat (policy_engine.BoardMember) the new account takes, when inviting a board member.
    board_member_id = models.BigIntegerField(null=True, blank=True)
    token_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey("User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey("User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invitation {self.email}"


class SentMessage(models.Model):
    """One row per message event already sent (e.g. "version 3 submitted"), so each is sent once
    however many times the code path runs."""

    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
