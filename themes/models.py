"""Each association's look: logo, colours and default language. Kept in the public schema, keyed
by the association's schema name (themes sits below tenants in the layers and does not import it);
only ``themes.services`` writes it, after checking every value."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Theme(models.Model):
    schema_name = models.CharField(max_length=63, unique=True)
    brand = models.CharField(_("main colour"), max_length=7, default="#0f6e5a")
    brand_ink = models.CharField(_("text on the main colour"), max_length=7, default="#ffffff")
    default_language = models.CharField(
        _("default language"), max_length=2, choices=[("ar", _("Arabic")), ("en", _("English"))], default="ar"
    )
    # The logo as Sila re-encoded it (PNG), never the bytes as uploaded.
    logo_png = models.BinaryField(blank=True, default=b"")
    logo_sha256 = models.CharField(max_length=64, blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"theme of {self.schema_name}"
