from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0007_term_categories"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(fields=["rating_mean"], name="search_doc_rating_mean"),
        ),
    ]
