"""Invariant 3 in the database: two unreleased claims on the same resource never
overlap in time.

PostgreSQL: an exclusion constraint with btree_gist, so concurrent inserts are
checked against each other (the second waits for the first and fails if both
commit). SQLite: triggers that abort an overlapping insert or update; SQLite runs one
write transaction at a time, so the check and the write cannot interleave.
"""

from django.db import migrations

TABLE = "scheduling_timeclaim"

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE {TABLE} ADD CONSTRAINT time_claims_never_overlap
    EXCLUDE USING gist (
        provider_id WITH =,
        staff_key WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (released_at IS NULL)
    """,
]
POSTGRES_BACKWARD = [f"ALTER TABLE {TABLE} DROP CONSTRAINT time_claims_never_overlap"]

_SQLITE_CHECK = f"""
    SELECT RAISE(ABORT, 'time_claims_never_overlap')
    WHERE EXISTS (
        SELECT 1 FROM {TABLE} AS other
        WHERE other.provider_id = NEW.provider_id
          AND other.staff_key = NEW.staff_key
          AND other.released_at IS NULL
          AND other.id IS NOT NEW.id
          AND other.starts_at < NEW.ends_at
          AND other.ends_at > NEW.starts_at
    );
"""
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER time_claims_never_overlap_insert
    BEFORE INSERT ON {TABLE} WHEN NEW.released_at IS NULL
    BEGIN {_SQLITE_CHECK} END
    """,
    f"""
    CREATE TRIGGER time_claims_never_overlap_update
    BEFORE UPDATE OF starts_at, ends_at, released_at, provider_id, staff_key
    ON {TABLE} WHEN NEW.released_at IS NULL
    BEGIN {_SQLITE_CHECK} END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS time_claims_never_overlap_insert",
    "DROP TRIGGER IF EXISTS time_claims_never_overlap_update",
]


def forward(apps, schema_editor):
    _run(schema_editor, POSTGRES_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, POSTGRES_BACKWARD, SQLITE_BACKWARD)


def _run(schema_editor, postgres, sqlite):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": postgres, "sqlite": sqlite}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"no overlap guard for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
