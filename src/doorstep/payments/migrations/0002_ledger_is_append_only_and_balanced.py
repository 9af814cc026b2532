"""Invariant 2 in the database.

- A journal entry can be sealed only if its postings sum to zero in every currency
  (and it has at least two); sealing is the last step of every posting.
- Postings can be added only to an unsealed entry, and never changed or deleted.
- Entries can never be deleted, nor changed except to be sealed once.

Corrections are new, reversing entries. The one exception is wiping the whole
database (``flush``, as the test suite does between tests): PostgreSQL's TRUNCATE
fires no row triggers, and on SQLite the delete triggers consult
``doorstep_ledger_purge_allowed()``, a function Doorstep registers on each
connection that is false unless a flush is running (``payments.guards``). The same rules on PostgreSQL (plpgsql
triggers) and SQLite (triggers with RAISE); both surface as IntegrityError.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION payments_entry_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ledger entries are append-only'
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF OLD.sealed OR NOT NEW.sealed
         OR NEW.kind IS DISTINCT FROM OLD.kind
         OR NEW.order_id IS DISTINCT FROM OLD.order_id
         OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
         OR NEW.reverses_id IS DISTINCT FROM OLD.reverses_id
         OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'ledger entries are append-only'
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF (SELECT COUNT(*) FROM payments_posting WHERE entry_id = NEW.id) < 2
         OR EXISTS (SELECT 1 FROM payments_posting WHERE entry_id = NEW.id
                    GROUP BY currency HAVING SUM(amount) <> 0) THEN
        RAISE EXCEPTION 'journal entry does not balance'
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER payments_entry_guard
    BEFORE UPDATE OR DELETE ON payments_journalentry
    FOR EACH ROW EXECUTE FUNCTION payments_entry_guard()
    """,
    """
    CREATE FUNCTION payments_posting_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP <> 'INSERT' OR (SELECT sealed FROM payments_journalentry
                               WHERE id = NEW.entry_id) THEN
        RAISE EXCEPTION 'postings are append-only'
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER payments_posting_guard
    BEFORE INSERT OR UPDATE OR DELETE ON payments_posting
    FOR EACH ROW EXECUTE FUNCTION payments_posting_guard()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER payments_posting_guard ON payments_posting",
    "DROP FUNCTION payments_posting_guard()",
    "DROP TRIGGER payments_entry_guard ON payments_journalentry",
    "DROP FUNCTION payments_entry_guard()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER payments_entry_no_delete BEFORE DELETE ON payments_journalentry
    WHEN NOT doorstep_ledger_purge_allowed()
    BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END
    """,
    """
    CREATE TRIGGER payments_entry_seal_once BEFORE UPDATE ON payments_journalentry
    WHEN OLD.sealed OR NOT NEW.sealed
         OR NEW.kind IS NOT OLD.kind OR NEW.order_id IS NOT OLD.order_id
         OR NEW.idempotency_key IS NOT OLD.idempotency_key
         OR NEW.reverses_id IS NOT OLD.reverses_id
         OR NEW.created_at IS NOT OLD.created_at
    BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END
    """,
    """
    CREATE TRIGGER payments_entry_balances BEFORE UPDATE OF sealed
    ON payments_journalentry WHEN NEW.sealed AND NOT OLD.sealed
    BEGIN
      SELECT RAISE(ABORT, 'journal entry does not balance')
      WHERE (SELECT COUNT(*) FROM payments_posting WHERE entry_id = NEW.id) < 2
         OR EXISTS (SELECT 1 FROM payments_posting WHERE entry_id = NEW.id
                    GROUP BY currency HAVING SUM(amount) <> 0);
    END
    """,
    """
    CREATE TRIGGER payments_posting_into_open_entry BEFORE INSERT ON payments_posting
    WHEN (SELECT sealed FROM payments_journalentry WHERE id = NEW.entry_id)
    BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END
    """,
    """
    CREATE TRIGGER payments_posting_no_update BEFORE UPDATE ON payments_posting
    BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END
    """,
    """
    CREATE TRIGGER payments_posting_no_delete BEFORE DELETE ON payments_posting
    WHEN NOT doorstep_ledger_purge_allowed()
    BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END
    """,
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "payments_entry_no_delete",
        "payments_entry_seal_once",
        "payments_entry_balances",
        "payments_posting_into_open_entry",
        "payments_posting_no_update",
        "payments_posting_no_delete",
    )
]


def _run(schema_editor, postgres, sqlite):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": postgres, "sqlite": sqlite}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"no ledger guards for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, POSTGRES_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, POSTGRES_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
