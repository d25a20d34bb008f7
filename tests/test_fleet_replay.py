"""migrate_fleet: migrations that only change tables are replayed as SQL, the same as migrating;
others run Django's migrate; a run stopped half-way leaves each schema migrated or untouched."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tenants import schemas
from tenants.db import connection
from tenants.fleet import migrate_fleet, replay_script
from tenants.services import association_provision
from tests.test_provisioning import _catalogue

pytestmark = pytest.mark.django_db

ADD_INDEX = ("casework", "0003_case_step_index")  # one AddIndex
CREATE_MODELS = ("casework", "0002_notifications_and_links")  # CreateModel x2


def _provision(slug: str) -> str:
    result = association_provision(slug=slug, name_ar=slug, name_en=slug, admin_email=f"a@{slug}.test")
    return result.association.schema_name


def _migrate_back(schema: str, migration: str) -> None:
    call_command("migrate_schemas", "casework", migration, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def _forget_the_step_index(schema: str) -> None:
    """Put a schema back to where it was before migration 0003 (the index and its record gone),
    whatever migrations came after it."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{schema}".casework_case_step')
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
            list(ADD_INDEX),
        )


def _has_step_index(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_indexes WHERE schemaname = %s AND indexname = 'casework_case_step'", [schema]
        )
        return cursor.fetchone() is not None


def test_an_add_index_is_replayed_and_the_schema_equals_a_migrated_one() -> None:
    first, second = _provision("replay-one"), _provision("replay-two")
    for schema in (first, second):
        _forget_the_step_index(schema)
        assert schemas.pending_migrations(schema) == {ADD_INDEX}
        assert not _has_step_index(schema)

    script = replay_script(first, {ADD_INDEX})
    assert script == ['CREATE INDEX "casework_case_step" ON "casework_supportcase" ("step", "id" DESC);']

    report = migrate_fleet([first, second])
    assert report.migrated == report.replayed == [first, second]
    assert not report.failed
    template = _catalogue(schemas.template_schema())
    for schema in (first, second):
        assert _catalogue(schema) == template  # columns, constraints, indexes, migration records
        assert not schemas.pending_migrations(schema)


def test_new_models_go_through_django_migrate() -> None:
    schema = _provision("replay-models")
    _migrate_back(schema, "0001_initial")
    assert schemas.pending_migrations(schema) >= {CREATE_MODELS, ADD_INDEX}
    assert replay_script(schema, schemas.pending_migrations(schema)) is None

    report = migrate_fleet([schema])
    assert report.migrated == [schema]
    assert report.replayed == []
    assert _catalogue(schema) == _catalogue(schemas.template_schema())


class Crash(Exception):
    pass


def test_a_run_stopped_half_way_leaves_each_schema_whole_and_the_next_run_finishes() -> None:
    names = [_provision(f"resume-{i}") for i in range(3)]
    for schema in names:
        _forget_the_step_index(schema)

    def crash_after_the_first(name: str, outcome: str) -> None:
        raise Crash(name)

    with pytest.raises(Crash):
        migrate_fleet(names, on_progress=crash_after_the_first)
    connection.set_schema_to_public()
    # The first schema has the index and its record; the others have neither.
    assert [(_has_step_index(s), not schemas.pending_migrations(s)) for s in names] == [
        (True, True),
        (False, False),
        (False, False),
    ]

    report = migrate_fleet(names)
    assert report.up_to_date == names[:1]
    assert report.migrated == names[1:]
    assert all(_has_step_index(s) and not schemas.pending_migrations(s) for s in names)
