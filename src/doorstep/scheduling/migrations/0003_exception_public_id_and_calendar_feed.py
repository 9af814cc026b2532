"""Public ids for availability exceptions (the API names them) and private
calendar feeds. Existing exceptions get an id in a data step before the column
becomes unique and required."""

import django.db.models.deletion
from django.db import migrations, models

import doorstep.core.ids


def fill_public_ids(apps, schema_editor):
    AvailabilityException = apps.get_model("scheduling", "AvailabilityException")
    for exception in AvailabilityException.objects.filter(public_id__isnull=True):
        exception.public_id = doorstep.core.ids.new_public_id("avx")
        exception.save(update_fields=["public_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_provider_reputation"),
        ("scheduling", "0002_time_claims_never_overlap"),
    ]

    operations = [
        migrations.AddField(
            model_name="availabilityexception",
            name="public_id",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="availabilityexception",
            name="public_id",
            field=doorstep.core.ids.PublicIdField(prefix="avx"),
        ),
        migrations.CreateModel(
            name="CalendarFeed",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                ("prefix", models.CharField(editable=False, max_length=12)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feeds",
                        to="accounts.providerprofile",
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar feed",
                "verbose_name_plural": "calendar feeds",
                "ordering": ["-created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("revoked_at__isnull", True)),
                        fields=("provider",),
                        name="one_live_calendar_feed_per_provider",
                    )
                ],
            },
        ),
    ]
