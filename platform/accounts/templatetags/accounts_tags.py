"""Words for the person's list of sessions: which browser on which device, not its raw header."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()

# First match wins: Edge and Samsung Internet also say "Chrome"; Chrome also says "Safari".
_BROWSERS = (
    ("Edg", "Edge"),
    ("SamsungBrowser", "Samsung Internet"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def _first(header: str, table: tuple[tuple[str, str], ...]) -> str:
    return next((name for token, name in table if token in header), "")


@register.filter
def device(user_agent: str | None) -> str:
    """«Chrome on Android», «Safari on iPhone»; what cannot be told is said so."""
    header = user_agent or ""
    browser, system = _first(header, _BROWSERS), _first(header, _SYSTEMS)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("An unknown browser")
