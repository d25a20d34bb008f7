"""Bulk data for the benchmarks that need a big association (test_inbox, test_big_association,
test_reports): an association of their own and its staff (its policy in force comes from
``tests.casework.conftest.install_policy``), then rows written in its schema by
``INSERT ... SELECT generate_series(...)``, each statement timed, and the tables VACUUM ANALYZEd
(as autovacuum would have).

Each benchmark keeps its own shape of data (sizes, names, how steps and dates are spread) as SQL
expressions over ``g``, the row's number; what they share is written once here: the tables'
columns, an inbox of cases waiting at their steps (test_inbox, test_big_association), and the
timing. Statements take named parameters (``%(cases)s``), so a literal percent sign is ``%%``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from accounts.models import Role, User
from tenants.db import connection
from tenants.models import Association
from tenants.services import association_provision

CHANNELS = ["interview", "phone", "social_media", "letters", "help_request", "volunteering", "website"]


# --- the association ------------------------------------------------------------------------------


def association_build(*, slug: str, name_ar: str, name_en: str) -> Association:
    """Provision the association (its administrator, admin@<slug>.test, has no password) and work
    in its schema."""
    association_provision(
        slug=slug, name_ar=name_ar, name_en=name_en, admin_email=f"admin@{slug}.test", admin_password=None
    )
    return association_enter(slug)


def association_enter(slug: str) -> Association:
    """Work in the association's schema."""
    connection.set_schema_to_public()
    association = Association.objects.get(slug=slug)
    connection.set_tenant(association)
    return association


def staff_member(*, slug: str, key: str, role: str, full_name: str) -> User:
    """An employee, <key>@<slug>.test, holding ``role``."""
    user = User.objects.create_user(f"{key}@{slug}.test", None, full_name=full_name, is_staff=True)
    user.roles.add(Role.objects.get(code=role))
    return user


# --- rows ------------------------------------------------------------------------------------------

# National ID 1000000001, 1000000002, ...; mobile +9665 and g's last eight digits; male, female, ...
NATIONAL_ID = "'1' || lpad(g::text, 9, '0')"
MOBILE = "'+9665' || lpad((g %% 100000000)::text, 8, '0')"
ALTERNATE_GENDER = "(ARRAY['male','female'])[g %% 2 + 1]"
REGISTERED_LONG_AGO = "now() - interval '400 days'"


def beneficiaries_sql(
    *,
    count: str,
    name: str,
    name_normalized: str,
    city: str,
    national_id: str = NATIONAL_ID,
    phone: str = MOBILE,
    gender: str = ALTERNATE_GENDER,
    registered: str = REGISTERED_LONG_AGO,
) -> str:
    """``count`` beneficiaries, each column an SQL expression over g (1 to count)."""
    return f"""
            INSERT INTO casework_beneficiary (national_id, full_name_ar, full_name_normalized, phone_e164,
                birth_date, gender, city, notes, created_by_id, created_at, updated_at, merged_into_id)
            SELECT {national_id}, {name}, {name_normalized}, {phone},
                   NULL, {gender}, {city}, '', NULL, {registered}, {registered}, NULL
            FROM generate_series(1, {count}) AS g
            """


CASE_COLUMNS = (
    "beneficiary_id",
    "channel",
    "policy_version_id",
    "status",
    "step",
    "outcome",
    "closed_reason",
    "assigned_to_id",
    "referral_target",
    "deciding_body",
    "submitted_for_decision_at",
    "decision_due",
    "revision",
    "opened_by_id",
    "created_at",
    "updated_at",
    "closed_at",
    "intake",
)


def cases_sql(*, spread: str, columns: Mapping[str, str]) -> str:
    """Cases, one a row of ``spread`` (a SELECT of g and what follows from it, read as ``s``),
    each column an SQL expression over s and ``b.first``, the first beneficiary's id."""
    assert tuple(columns) == CASE_COLUMNS, "every column, in the table's order"
    return f"""
            WITH b AS (SELECT min(id) AS first FROM casework_beneficiary),
            s AS ({spread})
            INSERT INTO casework_supportcase ({", ".join(CASE_COLUMNS)})
            SELECT {", ".join(columns.values())}
            FROM s, b
            """


# Step by g % 20: receive 30 %, verify 20 %, attest 10 %, committee_review 15 %, register 10 %,
# serve 15 % (half of those closed, served: (g / 20) even).
WAITING_STEPS = """(ARRAY['receive','receive','receive','receive','receive','receive',
                              'verify','verify','verify','verify','attest','attest',
                              'committee_review','committee_review','committee_review',
                              'register','register','serve','serve','serve'])[g %% 20 + 1]"""
SERVED = "step = 'serve' AND (g / 20) %% 2 = 0"


def waiting_cases_sql(*, apart: str, decision_due: str, revision: str) -> str:
    """An inbox's cases over Rumaila's steps (WAITING_STEPS), ``apart`` (an interval) from each
    other, the newest now and with the highest id. Channel by g % 7 (coprime with 20, so every step
    has every channel); the beneficiaries in turn; every tenth case assigned. Committee cases are
    submitted when opened and fall due at ``decision_due``. Parameters: cases, beneficiaries,
    channels, version, assignee (who opened them all)."""
    spread = f"""
                SELECT g, {WAITING_STEPS} AS step,
                       now() - (%(cases)s - g) * interval '{apart}' AS created
                FROM generate_series(1, %(cases)s) AS g
            """
    return cases_sql(
        spread=spread,
        columns={
            "beneficiary_id": "b.first + (g - 1) %% %(beneficiaries)s",
            "channel": "(%(channels)s::text[])[g %% 7 + 1]",
            "policy_version_id": "%(version)s",
            "status": f"CASE WHEN {SERVED} THEN 'closed' ELSE 'open' END",
            "step": "step",
            "outcome": f"CASE WHEN {SERVED} THEN 'served' ELSE '' END",
            "closed_reason": "''",
            "assigned_to_id": "CASE WHEN g %% 10 = 0 THEN %(assignee)s END",
            "referral_target": "''",
            "deciding_body": "'research_committee'",
            "submitted_for_decision_at": (
                "CASE WHEN step IN ('committee_review', 'register', 'serve') THEN created END"
            ),
            "decision_due": f"CASE WHEN step = 'committee_review' THEN {decision_due} END",
            "revision": revision,
            "opened_by_id": "%(assignee)s",
            "created_at": "created",
            "updated_at": "created",
            "closed_at": f"CASE WHEN {SERVED} THEN created END",
            "intake": "'{}'::jsonb",
        },
    )


# --- writing them -----------------------------------------------------------------------------------


def timed_fill(statements: Mapping[str, str], params: Mapping[str, Any]) -> dict[str, float]:
    """Run each statement, in order, with the same parameters (each takes the ones it names);
    seconds for each, by name."""
    seconds: dict[str, float] = {}
    with connection.cursor() as cursor:
        for name, sql in statements.items():
            begun = time.perf_counter()
            cursor.execute(sql, params)
            seconds[name] = time.perf_counter() - begun
    return seconds


# Each case's "open" event, as case_open appends it.
OPEN_EVENTS_SQL = """
            INSERT INTO casework_caseevent (case_id, actor_id, action, from_step, to_step, data, created_at)
            SELECT id, opened_by_id, 'open', '', 'receive',
                   jsonb_build_object('channel', channel, 'policy_version', 1, 'beneficiary', beneficiary_id),
                   created_at
            FROM casework_supportcase
            """


def waiting_inbox_fill(
    *,
    name: str,
    name_normalized: str,
    city: str,
    apart: str,
    decision_due: str,
    revision: str,
    open_events: bool,
    params: Mapping[str, Any],
) -> dict[str, float]:
    """An inbox: %(beneficiaries)s beneficiaries (``name`` and its search form over g, living in
    ``city``), %(cases)s cases waiting at their steps (``waiting_cases_sql``) and, with
    ``open_events``, each one's "open" event; each timed, then the tables VACUUM ANALYZEd. Seconds
    by name (beneficiaries, cases, events, vacuum_analyze)."""
    statements = {
        "beneficiaries": beneficiaries_sql(
            count="%(beneficiaries)s", name=name, name_normalized=name_normalized, city=city
        ),
        "cases": waiting_cases_sql(apart=apart, decision_due=decision_due, revision=revision),
    }
    tables = ["casework_beneficiary", "casework_supportcase"]
    if open_events:
        statements["events"] = OPEN_EVENTS_SQL
        tables.append("casework_caseevent")
    seconds = timed_fill(statements, {"channels": CHANNELS, **params})
    seconds["vacuum_analyze"] = vacuum_analyze(tables)
    return seconds


def vacuum_analyze(tables: Iterable[str]) -> float:
    """VACUUM ANALYZE each table (outside a transaction: the benchmarks commit); seconds."""
    begun = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - begun
