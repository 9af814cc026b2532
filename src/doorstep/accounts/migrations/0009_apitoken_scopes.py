"""Tokens carry scopes. Tokens minted before keep what they could do: read and
write, and ops for staff whose token passed the second factor (the only tokens
the back office ever admitted)."""

from django.db import migrations, models


def grant_existing(apps, schema_editor) -> None:
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(second_factor=True, user__is_staff=True).update(
        scopes=["read", "write", "ops"]
    )
    ApiToken.objects.exclude(second_factor=True, user__is_staff=True).update(
        scopes=["read", "write"]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_staffbook_staff_share"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(default=list, editable=False, verbose_name="scopes"),
        ),
        migrations.RunPython(grant_existing, migrations.RunPython.noop),
    ]
