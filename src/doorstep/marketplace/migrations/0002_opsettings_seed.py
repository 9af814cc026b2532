"""The settings row, every figure empty (the environment's defaults keep
applying until ops change them), and the initial cities served
(``marketplace.seeds``)."""

from django.db import migrations

from doorstep.marketplace.seeds import initial_cities


def seed(apps, schema_editor):
    MarketplaceSettings = apps.get_model("marketplace", "MarketplaceSettings")
    City = apps.get_model("marketplace", "City")
    MarketplaceSettings.objects.get_or_create(pk=1, defaults={"version": 1})
    for values in initial_cities():
        City.objects.get_or_create(slug=values.pop("slug"), defaults=values)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_opsettings_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
