"""Per-association figures for the console, read in each schema and kept in the public schema."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import Max

from accounts.models import User
from audit.models import AuditEvent
from casework.models import Beneficiary, CaseStatus, SupportCase
from console.models import AssociationStats
from tenants.db import connection
from tenants.models import Association


def _media_bytes(schema_name: str) -> int:
    root = Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % schema_name)
    if not root.exists():
        return 0
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def stats_refresh(association: Association) -> AssociationStats:
    connection.set_tenant(association)
    try:
        staff = User.objects.filter(is_active=True, is_staff=True).count()
        beneficiaries = Beneficiary.objects.count()
        open_cases = SupportCase.objects.filter(status=CaseStatus.OPEN).count()
        last = AuditEvent.objects.aggregate(at=Max("created_at"))["at"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                [association.schema_name],
            )
            db_bytes = int(cursor.fetchone()[0])
    finally:
        connection.set_schema_to_public()
    stats, _ = AssociationStats.objects.update_or_create(
        association=association,
        defaults={
            "staff": staff,
            "beneficiaries": beneficiaries,
            "open_cases": open_cases,
            "storage_bytes": db_bytes + _media_bytes(association.schema_name),
            "last_activity_at": last,
        },
    )
    return stats


def stats_refresh_all() -> int:
    count = 0
    for association in Association.objects.all():
        stats_refresh(association)
        count += 1
    return count
