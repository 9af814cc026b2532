"""The full-text index, per database: an external-content FTS5 table on SQLite, a
generated tsvector column with a GIN index on PostgreSQL. The SQL is spelled out
here (not imported) so that this migration keeps meaning what it meant."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    " title_text, body_text,"
    " content='search_searchdocument', content_rowid='listing_id',"
    " tokenize='unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_fts"]

POSTGRES_FORWARD = [
    "ALTER TABLE search_searchdocument ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_text || ' 0.0.0'), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, body_text), 'B')) STORED",
    "CREATE INDEX search_doc_vector ON search_searchdocument"
    " USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_doc_vector",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
