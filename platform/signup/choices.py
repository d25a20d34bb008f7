"""What a sign-up offers: sectors, the 13 administrative regions, starting policies, reserved names."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    SOCIAL_SERVICES = "social_services", _("Social services")
    ORPHAN_CARE = "orphan_care", _("Orphan care")
    SOCIAL_DEVELOPMENT = "social_development", _("Social development")
    HEALTH_CARE = "health_care", _("Health care")
    EDUCATION = "education", _("Education")
    DISABILITY = "disability", _("People with disabilities")
    ELDERLY_CARE = "elderly_care", _("Elderly care")
    FAMILY_COUNSELLING = "family_counselling", _("Family counselling")
    HOUSING = "housing", _("Housing")
    FOOD_BANK = "food_bank", _("Food banks")
    QURAN = "quran", _("Quran memorisation")
    OTHER = "other", _("Other")


class Region(models.TextChoices):
    """The Kingdom's 13 administrative regions."""

    RIYADH = "riyadh", _("Riyadh")
    MAKKAH = "makkah", _("Makkah")
    MADINAH = "madinah", _("Madinah")
    QASSIM = "qassim", _("Qassim")
    EASTERN = "eastern", _("Eastern Province")
    ASIR = "asir", _("Asir")
    TABUK = "tabuk", _("Tabuk")
    HAIL = "hail", _("Hail")
    NORTHERN_BORDERS = "northern_borders", _("Northern Borders")
    JAZAN = "jazan", _("Jazan")
    NAJRAN = "najran", _("Najran")
    BAHAH = "bahah", _("Al-Bahah")
    JAWF = "jawf", _("Al-Jawf")


SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")

# Names that would collide with the platform's own hosts, mail and well-known services, or that
# would mislead (an association called "official" or "gov").
RESERVED_SLUGS = frozenset(
    {
        "www", "api", "admin", "console", "platform", "billing", "static", "media", "mail", "help",
        "status", "support", "app", "signup", "sign-up", "login", "logout", "accounts", "account",
        "auth", "sso", "oauth", "smtp", "imap", "pop", "pop3", "ftp", "sftp", "ns1", "ns2", "dns",
        "mx", "webmail", "email", "cdn", "assets", "files", "uploads", "docs", "blog", "news",
        "dev", "test", "staging", "demo", "sandbox", "beta", "alpha", "internal", "intranet",
        "dashboard", "portal", "secure", "security", "pay", "payments", "stripe", "invoice",
        "invoices", "webhook", "webhooks", "health", "healthz", "metrics", "monitor", "sentry",
        "root", "system", "sila", "official", "gov", "ministry", "hrsd", "ncnp", "template",
        "sila-template", "public", "postgres", "localhost", "example",
    }
)  # fmt: skip

#: The starting policies a sign-up may choose besides a sector template: the founding associations'.
FOUNDING_TEMPLATES = ("rumaila", "jamoum", "mawsam", "tabuk", "baraa")
BLANK_TEMPLATE = "blank"
