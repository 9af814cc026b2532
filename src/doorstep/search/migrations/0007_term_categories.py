"""Per category, how many documents hold each term (``SearchTermCategory``), and
the per-category sort indexes a text search sorted by price or rating reads.

The table is filled here from the documents already indexed: search reads it to
know which categories a text's matches can be in, so it must be complete from
the first search on (``doorstep reindex`` rebuilds it as well). The counting is
spelled out here (not imported) so that this migration keeps meaning what it
meant: a term is what the text index holds, a space-separated token of
``title_text`` or ``body_text``."""

from collections import Counter

from django.db import migrations, models

BATCH = 2000


def fill(apps, schema_editor):
    connection = schema_editor.connection
    counts: dict[int, Counter] = {}
    # A server-side cursor on PostgreSQL: a million rows are streamed.
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            "SELECT category_id, title_text, body_text FROM search_searchdocument"
        )
        while rows := cursor.fetchmany(BATCH):
            for category_id, title_text, body_text in rows:
                words = set(title_text.split())
                words.update(body_text.split())
                counts.setdefault(category_id, Counter()).update(words)
    rows = [
        (term, category_id, count)
        for category_id, terms in counts.items()
        for term, count in terms.items()
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                "INSERT INTO search_searchtermcategory (term, category_id, doc_count)"
                " VALUES (%s, %s, %s)",
                rows[start : start + BATCH],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0006_listingvector_changes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchTermCategory",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "term",
                        "category_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("term", models.CharField(max_length=40)),
                ("category_id", models.BigIntegerField()),
                ("doc_count", models.PositiveIntegerField()),
            ],
            options={
                "verbose_name": "search term per category",
                "verbose_name_plural": "search terms per category",
            },
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(
                fields=["category_id", "price_key", "listing"],
                name="search_doc_cat_price",
            ),
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(
                fields=["category_id", "price_desc_key", "listing"],
                name="search_doc_cat_price_desc",
            ),
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(
                fields=["category_id", "-rating_score", "listing"],
                name="search_doc_cat_rating",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
