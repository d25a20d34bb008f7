"""Migrating every association's schema: progress, a summary, and no stop at one broken tenant.

Each schema is migrated in a transaction of its own, its migration records with it: a run that
dies half-way (crash, deploy killed) leaves every schema either migrated or untouched, and the
next run skips the migrated ones and finishes the rest.

Running Django's ``migrate`` in each schema costs about half a second of Python (the migration
graph, the model states, the post-migrate signal) even for one ``AddField``. When the migrations a
schema lacks only change tables (adding a field, an index or a constraint; raw SQL), their SQL is
the same for every schema, so it is collected once (as ``sqlmigrate`` does) and replayed in each
schema lacking the same migrations, with their records: milliseconds a schema. Anything else
(new models, data migrations, field changes that read the database) goes through ``migrate``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import transaction
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation

from tenants import schemas
from tenants.db import connection
from tenants.models import Association


@dataclass
class FleetReport:
    migrated: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    replayed: list[str] = field(default_factory=list)  # the migrated schemas whose SQL was replayed
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.migrated) + len(self.up_to_date) + len(self.failed)


def fleet_schemas(*, include_template: bool = True) -> list[str]:
    names = list(Association.objects.order_by("schema_name").values_list("schema_name", flat=True))
    if include_template:
        names.insert(0, schemas.template_schema())
    return names


# Operations whose SQL depends only on the migration files, never on reading the database.
_REPLAYABLE = (
    operations.AddIndex,
    operations.RemoveIndex,
    operations.AddConstraint,
    operations.RemoveConstraint,
    operations.RunSQL,
    operations.AlterModelOptions,
    operations.AlterModelManagers,
)

Migration = tuple[str, str]


def _replayable(operation: Operation) -> bool:
    if isinstance(operation, operations.AddField):
        return not operation.field.many_to_many  # a new through table is a new model
    return isinstance(operation, _REPLAYABLE)


def replay_script(schema_name: str, pending: set[Migration]) -> list[str] | None:
    """The SQL that applies ``pending`` to a schema, if every operation in them can be replayed;
    None otherwise. Collected with the connection on ``schema_name`` (names are unqualified)."""
    connection.set_schema(schema_name)
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    order: list[Migration] = []
    for leaf in sorted({key for key in loader.graph.leaf_nodes() if key[0] in {m[0] for m in pending}}):
        order += [key for key in loader.graph.forwards_plan(leaf) if key in pending and key not in order]
    if set(order) != pending:
        return None
    plan = [(loader.graph.nodes[key], False) for key in order]
    if not all(_replayable(op) for migration, _ in plan for op in migration.operations):
        return None
    statements = [
        "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
        for statement in loader.collect_sql(plan)  # type: ignore[attr-defined]  # not in django-stubs
    ]
    connection.set_schema_to_public()
    return [statement for statement in statements if statement]


def _replay(schema_name: str, script: list[str], pending: set[Migration]) -> None:
    connection.set_schema(schema_name)  # the schema first on the path: unqualified names are its own
    with connection.cursor() as cursor:
        for statement in script:
            cursor.execute(statement)
        cursor.executemany(
            "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())", sorted(pending)
        )


def migrate_fleet(
    schema_names: list[str],
    *,
    on_progress: Callable[[str, str], None] | None = None,
    replay: bool = True,
) -> FleetReport:
    """Bring each schema up to date. A schema that fails is rolled back and reported; the rest go on.

    With ``replay`` (the default), migrations that only change tables are replayed as SQL (see
    the module's docstring); otherwise every schema runs Django's ``migrate``.
    """
    report = FleetReport()
    started = time.perf_counter()
    scripts: dict[frozenset[Migration], list[str] | None] = {}
    for name in schema_names:
        outcome: str
        try:
            connection.set_schema_to_public()
            pending = schemas.pending_migrations(name)
            if not pending:
                report.up_to_date.append(name)
                outcome = "up to date"
            else:
                key = frozenset(pending)
                if replay and key not in scripts:
                    scripts[key] = replay_script(name, pending)
                script = scripts.get(key)
                with transaction.atomic():  # a failure rolls back this schema only
                    if script is not None:
                        _replay(name, script, pending)
                        report.replayed.append(name)
                    else:
                        call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=0)
                report.migrated.append(name)
                outcome = "migrated"
        except Exception as exc:  # one broken tenant must not stop the fleet
            connection.set_schema_to_public()
            report.failed[name] = f"{exc.__class__.__name__}: {exc}"
            outcome = "FAILED"
        if on_progress:
            on_progress(name, outcome)
    connection.set_schema_to_public()
    report.seconds = time.perf_counter() - started
    return report
