"""The ops permissions and the roles (groups) that hold them.

The roles as of this migration; change them later with a new migration (or in the
admin), not by editing this one.
"""

from django.db import migrations, models

PERMISSIONS = {
    "act_on_orders": "Act on other people's orders",
    "refund_orders": "Refund orders",
    "approve_payouts": "Approve payouts",
    "view_finance": "See the finance report and payouts",
    "moderate_reviews": "Hide and unhide reviews",
}

ROLES = {
    "Support": ["act_on_orders"],
    "Finance": ["refund_orders", "approve_payouts", "view_finance"],
    "Trust & safety": ["moderate_reviews"],
    "Ops admin": list(PERMISSIONS),
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    # Django creates permissions after all migrations ran; the roles need them now.
    content_type, _ = ContentType.objects.get_or_create(
        app_label="backoffice", model="opsaccess"
    )
    permissions = {
        codename: Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in PERMISSIONS.items()
    }
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(permissions[codename] for codename in codenames))


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpsAccess",
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
            ],
            options={
                "verbose_name": "ops access",
                "permissions": [
                    ("act_on_orders", "Act on other people's orders"),
                    ("refund_orders", "Refund orders"),
                    ("approve_payouts", "Approve payouts"),
                    ("view_finance", "See the finance report and payouts"),
                    ("moderate_reviews", "Hide and unhide reviews"),
                ],
                "managed": False,
                "default_permissions": (),
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
