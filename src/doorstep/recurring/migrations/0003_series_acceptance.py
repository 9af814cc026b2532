from django.db import migrations, models


def per_visit_for_running_series(apps, schema_editor):
    """Series started before standing acceptances, on a request-to-book
    listing, have had each visit accepted one by one: they keep doing so
    (``withdrawn``: each visit waits for the provider) until the provider
    accepts the series."""
    Series = apps.get_model("recurring", "Series")
    Series.objects.exclude(status="ended").filter(
        listing__instant_book=False
    ).update(acceptance="withdrawn")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_listing_payment_timings"),
        ("recurring", "0002_visit_attempt"),
    ]

    operations = [
        migrations.AddField(
            model_name="series",
            name="acceptance",
            field=models.CharField(
                choices=[
                    ("not_needed", "Booked instantly"),
                    ("pending", "Waiting for the provider to accept the series"),
                    ("standing", "Accepted by the provider"),
                    ("withdrawn", "Each visit waits for the provider"),
                    ("declined", "Declined by the provider"),
                ],
                default="not_needed",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="series",
            name="acceptance_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(
            per_visit_for_running_series, migrations.RunPython.noop
        ),
    ]
