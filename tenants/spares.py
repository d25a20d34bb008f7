"""Spare schemas: a few association schemas cloned from the template ahead of time, so that a
self-service sign-up's provisioning renames one (milliseconds) instead of cloning (the DDL of
every table and index: a few hundred milliseconds, more on a busy machine).

A spare is a schema named ``_sila_spare_<hex>``: a leading underscore, which no association's
schema can have (a slug starts with a letter), so spares need no table of their own and are never
mistaken for an association. ``spare_claim`` renames one into a new association's schema inside
the provisioning transaction (a rollback gives it back); ``spares_refill`` (a background job,
deferred after each claim and every few minutes) tops the pool up to ``SILA_SPARE_SCHEMAS`` and
drops spares the template has moved on from (a migration since they were cloned), so a claimed
spare always has exactly the template's migrations. With ``SILA_SPARE_SCHEMAS = 0`` there are
none and provisioning clones, as ``association_provision`` does without ``spare=True``.
"""

from __future__ import annotations

import contextlib
import logging
import secrets

from django.conf import settings
from django.db import transaction
from psycopg import sql

from tenants import schemas
from tenants.clone import SchemaCloner
from tenants.db import connection

logger = logging.getLogger(__name__)

PREFIX = "_sila_spare_"
_LIKE = r"\_sila\_spare\_%"  # the prefix as a LIKE pattern (underscores taken literally)
# How many spares a claim looks at before giving up and cloning (a stale or locked one is skipped).
_CLAIM_TRIES = 4


def _q(name: str) -> str:
    return sql.Identifier(name).as_string(None)


def spare_names() -> list[str]:
    """The spare schemas there are now, oldest first (each name starts with its creation time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY nspname", [_LIKE])
        return [row[0] for row in cursor.fetchall()]


def _try_lock(cursor: object, name: str) -> bool:
    # Held to the end of the transaction: a claim and a drop of the same spare never overlap.
    cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [f"spare:{name}"])  # type: ignore[attr-defined]
    return bool(cursor.fetchone()[0])  # type: ignore[attr-defined]


def _exists(cursor: object, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])  # type: ignore[attr-defined]
    return cursor.fetchone() is not None  # type: ignore[attr-defined]


def spare_claim(target: str) -> bool:
    """Rename a fresh spare into schema ``target``, inside the caller's transaction. False when
    there is none to take (the caller clones instead). Either way the pool is refilled after
    the caller's commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("spare_claim must run inside the provisioning transaction")
    transaction.on_commit(defer_refill)
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for name in spare_names()[:_CLAIM_TRIES]:
            # Another claim may hold it, or have renamed it since the list was read (the lock is
            # taken first; the existence check after it sees any claim that committed meanwhile).
            if not _try_lock(cursor, name) or not _exists(cursor, name):
                continue
            if schemas.pending_migrations(name):
                continue  # cloned before the last migration: the refill drops it
            cursor.execute(f"ALTER SCHEMA {_q(name)} RENAME TO {_q(target)}")
            return True
    return False


def defer_refill() -> None:
    """Ask the worker to top the pool up (one such job waits at a time)."""
    if int(getattr(settings, "SILA_SPARE_SCHEMAS", 0)) <= 0:
        return
    from procrastinate import exceptions

    from tenants.tasks import spares_refill_job

    with contextlib.suppress(exceptions.AlreadyEnqueued):  # one waiting refill is enough
        spares_refill_job.defer()


def spares_refill(*, wanted: int | None = None) -> dict[str, int]:
    """Drop stale spares and clone new ones until ``wanted`` (``SILA_SPARE_SCHEMAS``) are fresh.
    Returns what it did. Does nothing while the template itself is stale (``migrate_fleet``
    refreshes it) or while another refill runs."""
    wanted = int(getattr(settings, "SILA_SPARE_SCHEMAS", 0)) if wanted is None else wanted
    done = {"dropped": 0, "created": 0}
    connection.set_schema_to_public()
    if not schemas.template_is_fresh():
        return done
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext('spares-refill'))")
        if not cursor.fetchone()[0]:
            return done
    try:
        fresh = 0
        for name in spare_names():
            if not schemas.pending_migrations(name) and fresh < wanted:
                fresh += 1
                continue
            # Stale, or more than wanted: drop it, unless a claim holds it right now.
            with transaction.atomic(), connection.cursor() as cursor:
                if _try_lock(cursor, name) and _exists(cursor, name):
                    cursor.execute(f"DROP SCHEMA {_q(name)} CASCADE")
                    done["dropped"] += 1
        cloner = SchemaCloner(schemas.template_schema()) if fresh < wanted else None
        while cloner is not None and fresh < wanted:
            # Named by creation time first, so claims take the oldest.
            name = f"{PREFIX}{_now_key()}_{secrets.token_hex(4)}"
            with transaction.atomic():
                cloner.clone(name)
            connection.set_schema_to_public()
            fresh += 1
            done["created"] += 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext('spares-refill'))")
    if done["created"] or done["dropped"]:
        logger.info("spare schemas: %(created)d cloned, %(dropped)d dropped", done)
    return done


def _now_key() -> str:
    from django.utils import timezone

    return timezone.now().strftime("%Y%m%d%H%M%S%f")
