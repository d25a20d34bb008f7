"""Move or restore one association: its schema, its files and its public rows as one archive.

``association_export`` writes a ``.tar.gz`` holding:

- ``manifest.json``: the format, the association's public row and host names, the tenant
  migrations its schema has applied, and for each table its columns, row count and checksum, and
  for each file its size and SHA-256;
- ``tables/<table>.copy``: each table's rows in PostgreSQL's COPY text format;
- ``files/<path>``: the association's uploaded files (``<MEDIA_ROOT>/tenants/<schema>/``);
- ``jobs.json``: its background jobs still waiting (public.procrastinate_jobs);
- ``public.json``: its other rows in the public schema, whichever app keeps them (its
  subscription and invoices, figures, status changes, support grants...): every row that deleting
  the association would delete with it, found by Django's deletion collector, so that this module
  needs to know none of those apps.

``association_import`` reads such an archive into this database, in one transaction: the schema
is made from this database's template (structure only: it refuses an archive whose migrations
differ from the template's; migrate one side first), the rows are copied in by column name, the
identity sequences moved past them, the public rows and waiting jobs added, and every table's
count and checksum compared with the manifest before the commit; the files are put in place after
it. With ``replace=True`` it first drops the association of the same slug (schema, rows, jobs and,
after the commit, files): the same path restores one association from its backup, and touches no
other association.

The checksum of a table is its row count and the sum of a 60-bit hash of each row's text (its
columns in the manifest's order): independent of row order and computed by PostgreSQL in one pass.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from django_tenants.utils import schema_exists
from psycopg import sql

from audit.services import audit_record
from tenants import routing, schemas
from tenants.clone import SchemaCloner
from tenants.db import connection
from tenants.models import Association, Domain

FORMAT = "sila-association/1"
_ASSOCIATION_FIELDS = (
    "slug",
    "schema_name",
    "name_ar",
    "name_en",
    "licence_number",
    "sector",
    "sector_ar",
    "region",
    "status",
)


class TransferError(Exception):
    """The archive cannot be imported here (the message says why)."""


@dataclass(frozen=True)
class TableSum:
    rows: int
    checksum: str


def _q(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def _raw_cursor() -> Any:
    """The psycopg cursor under Django's (for COPY), with the connection opened."""
    connection.ensure_connection()
    return connection.connection.cursor()


def tenant_tables(schema_name: str) -> dict[str, list[str]]:
    """Each table of a schema and its columns, in their order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r' "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
            [schema_name],
        )
        tables: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            tables.setdefault(table, []).append(column)
    return tables


def table_sum(cursor: Any, schema_name: str, table: str, columns: list[str]) -> TableSum:
    """Row count and order-independent checksum of a table (``cursor``: Django's or psycopg's)."""
    row = sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.Identifier("t", c) for c in columns))
    query = sql.SQL(
        "SELECT count(*), coalesce(sum(('x' || substr(md5({row}::text), 1, 15))::bit(60)::bigint), 0) "
        "FROM {schema}.{table} AS t"
    ).format(row=row, schema=_q(schema_name), table=_q(table))
    cursor.execute(query.as_string(None))
    count, checksum = cursor.fetchone()
    return TableSum(rows=int(count), checksum=str(checksum))


def schema_sums(schema_name: str) -> dict[str, TableSum]:
    tables = tenant_tables(schema_name)
    with connection.cursor() as cursor:
        return {table: table_sum(cursor, schema_name, table, columns) for table, columns in tables.items()}


def media_dir(schema_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / (settings.MULTITENANT_RELATIVE_MEDIA_ROOT % schema_name)


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _waiting_jobs(schema_name: str) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT queue_name, task_name, priority, lock, queueing_lock, args::text, scheduled_at "
            "FROM public.procrastinate_jobs WHERE status = 'todo' AND args->>'schema_name' = %s ORDER BY id",
            [schema_name],
        )
        return [
            {
                "queue_name": queue,
                "task_name": task,
                "priority": priority,
                "lock": lock,
                "queueing_lock": queueing_lock,
                "args": json.loads(args),
                "scheduled_at": scheduled.isoformat() if scheduled else None,
            }
            for queue, task, priority, lock, queueing_lock, args, scheduled in cursor.fetchall()
        ]


def _public_rows(association: Association) -> list[dict[str, Any]]:
    """Every public row that belongs to the association (deleted with it), parents first; not the
    association and its domains (kept apart in the manifest)."""
    collector = Collector(using="default", origin=association)
    collector.collect([association])
    collector.sort()  # children before parents, as they are deleted
    rows: list[dict[str, Any]] = []
    for model, instances in reversed(list(collector.data.items())):
        if model in (Association, Domain):
            continue
        ordered = sorted(instances, key=lambda obj: obj.pk)
        rows += serializers.serialize("python", ordered)
    return rows


def _restore_public_rows(rows: list[dict[str, Any]], association: Association) -> dict[str, int]:
    """Re-create the association's public rows, parents first, with new ids; foreign keys to the
    association or to rows of the archive are pointed at their new ids, others kept as they are."""
    new_ids: dict[tuple[str, Any], Any] = {}
    counts: dict[str, int] = {}
    for row in rows:
        model = apps.get_model(row["model"])
        values: dict[str, Any] = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name not in row["fields"]:
                continue
            value = row["fields"][field.name]
            if isinstance(field, models.ForeignKey) and value is not None:
                target = field.related_model._meta.label_lower  # type: ignore[union-attr]
                if target == Association._meta.label_lower:
                    value = association.pk
                else:
                    value = new_ids.get((target, value), value)
                values[field.attname] = value
            else:
                values[field.name] = value
        obj = model(**values)
        obj.save(force_insert=True)
        new_ids[(model._meta.label_lower, row["pk"])] = obj.pk
        counts[row["model"]] = counts.get(row["model"], 0) + 1
    return counts


def association_export(*, slug: str, path: Path) -> dict[str, Any]:
    """Write association ``slug`` to the archive ``path``; returns its manifest.

    Reads in one REPEATABLE READ snapshot when called outside a transaction (the tables and the
    checksums agree with each other even while the association is in use)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _export(slug=slug, path=path)


def _export(*, slug: str, path: Path) -> dict[str, Any]:
    connection.set_schema_to_public()
    association = Association.objects.filter(slug=slug).first()
    if association is None:
        raise TransferError(f"no association {slug!r}")
    schema_name = association.schema_name
    tables = tenant_tables(schema_name)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "association": {field: getattr(association, field) for field in _ASSOCIATION_FIELDS},
        "domains": list(association.domains.order_by("domain").values("domain", "is_primary")),
        "migrations": sorted(schemas.applied_migrations(schema_name) & schemas.expected_tenant_migrations()),
        "tables": {},
        "files": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        raw = _raw_cursor()
        with connection.cursor() as cursor:
            for table, columns in tables.items():
                copy = sql.SQL("COPY {schema}.{table} ({columns}) TO STDOUT").format(
                    schema=_q(schema_name),
                    table=_q(table),
                    columns=sql.SQL(", ").join(map(_q, columns)),
                )
                # Through a temporary file: a big association's table need not fit in memory.
                with tempfile.TemporaryFile() as spool:
                    with raw.copy(copy) as stream:
                        for chunk in stream:
                            spool.write(chunk)
                    info = tarfile.TarInfo(f"tables/{table}.copy")
                    info.size = spool.tell()
                    info.mtime = int(timezone.now().timestamp())
                    spool.seek(0)
                    archive.addfile(info, spool)
                sums = table_sum(cursor, schema_name, table, columns)
                manifest["tables"][table] = {"columns": columns, "rows": sums.rows, "checksum": sums.checksum}
        root = media_dir(schema_name)
        for file in _files(root):
            relative = file.relative_to(root).as_posix()
            archive.add(file, arcname=f"files/{relative}")
            manifest["files"][relative] = {"bytes": file.stat().st_size, "sha256": _sha256(file)}
        _add_bytes(archive, "jobs.json", json.dumps(_waiting_jobs(schema_name)).encode())
        public = _public_rows(association)
        manifest["public_rows"] = _count_models(public)
        _add_bytes(
            archive, "public.json", json.dumps(public, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        )
        _add_bytes(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return manifest


def _count_models(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["model"]] = counts.get(row["model"], 0) + 1
    return counts


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    handle = archive.extractfile(name)
    if handle is None:
        raise TransferError(f"the archive has no {name}")
    return handle.read()


def _drop_association(association: Association) -> None:
    schema_name = association.schema_name
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM public.procrastinate_jobs WHERE status = 'todo' AND args->>'schema_name' = %s",
            [schema_name],
        )
        if schema_exists(schema_name):
            # Deferred foreign-key checks of earlier writes in this transaction must run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(_q(schema_name)).as_string(None))
    Domain.objects.filter(tenant=association).delete()
    association.delete()


@dataclass(frozen=True)
class ImportResult:
    association: Association
    tables: int
    rows: int
    files: int
    jobs: int
    replaced: bool
    public_rows: int = 0


@transaction.atomic
def association_import(*, path: Path, replace: bool = False) -> ImportResult:
    """Import the archive ``path`` (see the module's docstring); all or nothing."""
    connection.set_schema_to_public()
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.loads(_member(archive, "manifest.json"))
        if manifest.get("format") != FORMAT:
            raise TransferError(f"not a Sila association archive ({manifest.get('format')!r})")
        fields = manifest["association"]
        slug, schema_name = fields["slug"], fields["schema_name"]
        template = schemas.template_schema()
        if not schemas.template_is_fresh():
            raise TransferError("this database's template schema is stale: run migrate_fleet first")
        ours = sorted(schemas.applied_migrations(template) & schemas.expected_tenant_migrations())
        theirs = sorted(tuple(m) for m in manifest["migrations"])
        if ours != theirs:
            missing = sorted(set(ours) - set(theirs))[:5]
            extra = sorted(set(theirs) - set(ours))[:5]
            raise TransferError(
                f"the archive's migrations differ from this database's (archive lacks {missing}, "
                f"has extra {extra}): migrate the older side first"
            )
        existing = Association.objects.filter(slug=slug).first()
        replaced = existing is not None
        if existing is not None:
            if not replace:
                raise TransferError(f"association {slug!r} exists here (import with replace to restore it)")
            if existing.schema_name != schema_name:
                raise TransferError(
                    f"association {slug!r} here has another schema ({existing.schema_name!r})"
                )
            _drop_association(existing)
        elif schema_exists(schema_name):
            raise TransferError(f"schema {schema_name!r} exists but belongs to no association")
        hosts = [d["domain"] for d in manifest["domains"]]
        taken = list(Domain.objects.filter(domain__in=hosts).values_list("domain", flat=True))
        if taken:
            raise TransferError(f"host names already route to another association here: {taken}")

        cloner = SchemaCloner(template)
        if set(tenant_tables(template)) != set(manifest["tables"]):
            raise TransferError("the archive's tables differ from this database's template")
        cloner.clone(schema_name, with_rows=False)
        raw = _raw_cursor()
        with connection.cursor() as cursor:
            # Foreign keys are deferred (Django makes them DEFERRABLE INITIALLY DEFERRED): tables
            # load in any order and are checked at the commit.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, entry in manifest["tables"].items():
            copy = sql.SQL("COPY {schema}.{table} ({columns}) FROM STDIN").format(
                schema=_q(schema_name), table=_q(table), columns=sql.SQL(", ").join(map(_q, entry["columns"]))
            )
            handle = archive.extractfile(f"tables/{table}.copy")
            if handle is None:
                raise TransferError(f"the archive has no rows for {table}")
            with raw.copy(copy) as stream:
                for chunk in iter(lambda: handle.read(1 << 20), b""):  # noqa: B023 - used at once
                    stream.write(chunk)
        with connection.cursor() as cursor:
            for table, column in cloner.identity_columns:
                qualified = sql.SQL("{}.{}").format(_q(schema_name), _q(table)).as_string(None)
                next_value = sql.SQL("coalesce((SELECT max({col}) FROM {tbl}), 0) + 1").format(
                    col=_q(column), tbl=sql.SQL(qualified)
                )
                statement = sql.SQL("SELECT setval(pg_get_serial_sequence(%s, %s), {next}, false)").format(
                    next=next_value
                )
                cursor.execute(statement.as_string(None), [qualified, column])
            rows = 0
            for table, entry in manifest["tables"].items():
                sums = table_sum(cursor, schema_name, table, entry["columns"])
                if (sums.rows, sums.checksum) != (entry["rows"], entry["checksum"]):
                    raise TransferError(
                        f"table {table}: {sums.rows} rows, checksum {sums.checksum} after import; "
                        f"the archive says {entry['rows']} rows, checksum {entry['checksum']}"
                    )
                rows += sums.rows
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys checked now, not at commit

        association = Association(**fields)
        association.save()
        for entry in manifest["domains"]:
            Domain.objects.create(domain=entry["domain"], tenant=association, is_primary=entry["is_primary"])
        public = json.loads(_member(archive, "public.json")) if "public.json" in archive.getnames() else []
        restored = _restore_public_rows(public, association)
        if restored != manifest.get("public_rows", {}):
            raise TransferError(
                f"public rows: {restored} restored, the archive says {manifest.get('public_rows')}"
            )
        jobs = json.loads(_member(archive, "jobs.json"))
        with connection.cursor() as cursor:
            for job in jobs:
                cursor.execute(
                    "INSERT INTO public.procrastinate_jobs (queue_name, task_name, priority, lock, queueing_lock, "
                    "args, scheduled_at) VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s)",
                    [
                        job["queue_name"],
                        job["task_name"],
                        job["priority"],
                        job["lock"],
                        job["queueing_lock"],
                        json.dumps(job["args"]),
                        job["scheduled_at"],
                    ],
                )

        # Files: checked now, written after the commit (a rolled-back import leaves no file behind).
        for relative, entry in manifest["files"].items():
            if relative.startswith("/") or ".." in Path(relative).parts:
                raise TransferError(f"unsafe file name in the archive: {relative!r}")
            if hashlib.sha256(_member(archive, f"files/{relative}")).hexdigest() != entry["sha256"]:
                raise TransferError(f"file {relative!r} does not match its checksum")

    target = media_dir(schema_name)

    def put_files_in_place() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".import-{schema_name}-", dir=target.parent))
        try:
            with tarfile.open(path, "r:gz") as archive:
                for relative in manifest["files"]:
                    destination = staging / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(_member(archive, f"files/{relative}"))
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    transaction.on_commit(put_files_in_place)
    audit_record(
        actor=None,
        action="association.restored" if replaced else "association.imported",
        obj=association,
        changes={"archive": {"old": None, "new": path.name}, "rows": {"old": None, "new": rows}},
    )
    routing.bump_epoch()
    return ImportResult(
        association=association,
        tables=len(manifest["tables"]),
        rows=rows,
        files=len(manifest["files"]),
        jobs=len(jobs),
        replaced=replaced,
        public_rows=sum(restored.values()),
    )
