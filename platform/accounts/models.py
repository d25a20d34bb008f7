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
