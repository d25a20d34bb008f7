"""Reads about associations for the platform's operators (the console's list and search)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from tenants.models import Association, Domain

CONSOLE_PAGE_SIZE = 50


def associations_search(*, query: str = "", status: str | None = None) -> QuerySet[Association]:
    """Associations whose slug, Arabic or English name, or one of whose host names contains
    ``query`` (case-insensitive), by slug, each with its primary host as ``primary_domain``:
    one query whatever the page size."""
    primary = Domain.objects.filter(tenant=OuterRef("pk"), is_primary=True).values("domain")[:1]
    qs = Association.objects.annotate(primary_domain=Subquery(primary))
    if status:
        qs = qs.filter(status=status)
    query = (query or "").strip()
    if query:
        by_host = Domain.objects.filter(tenant=OuterRef("pk"), domain__icontains=query)
        qs = qs.filter(
            Q(slug__icontains=query)
            | Q(name_ar__icontains=query)
            | Q(name_en__icontains=query)
            | Exists(by_host)
        )
    return qs.order_by("slug")


@dataclass(frozen=True)
class AssociationPage:
    rows: list[Association]
    next_after: str | None  # the slug to pass as ``after`` for the next page, None on the last


def associations_page(
    *, query: str = "", status: str | None = None, after: str = "", size: int = CONSOLE_PAGE_SIZE
) -> AssociationPage:
    """One page of ``associations_search``, after the slug ``after`` (keyset pagination: the
    cost of a page does not grow with how far into the list it is). One query."""
    qs = associations_search(query=query, status=status)
    if after:
        qs = qs.filter(slug__gt=after)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AssociationPage(rows=rows, next_after=rows[-1].slug if more and rows else None)
