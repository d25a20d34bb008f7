"""Numbers as the reports show them: thousands grouped, one decimal at most, a dash for none
(the same on every page language: Django's Arabic format would write 8,3 for eight point three)."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def num(value: object) -> str:
    if value is None or value == "":
        return "—" if value is None else ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")
