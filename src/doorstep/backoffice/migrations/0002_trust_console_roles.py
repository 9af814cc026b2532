"""The ops permissions of the trust & safety work and the ops console, given to
the roles: Support looks people up and answers flagged messages; Trust & safety
vets providers and enforces standards; Finance looks people up; Ops admin holds
everything."""

from django.db import migrations

PERMISSIONS = {
    "view_people": "Look up users, providers, orders and listings",
    "verify_providers": "Decide provider applications and documents",
    "view_documents": "Open providers' private documents",
    "enforce_standards": "Penalise and suspend providers; decide appeals",
    "moderate_messages": "Decide flagged messages and review patterns",
    "manage_settings": "Change the marketplace's settings",
    "view_audit": "Read the audit trail",
}

ROLES = {
    "Support": ["view_people", "moderate_messages"],
    "Finance": ["view_people"],
    "Trust & safety": [
        "view_people",
        "verify_providers",
        "view_documents",
        "enforce_standards",
        "moderate_messages",
        "view_audit",
    ],
    "Ops admin": list(PERMISSIONS),
}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
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


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="backoffice", codename__in=PERMISSIONS
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0001_ops_roles")]

    operations = [
        migrations.AlterModelOptions(
            name="opsaccess",
            options={
                "verbose_name": "ops access",
                "permissions": [
                    ("act_on_orders", "Act on other people's orders"),
                    ("refund_orders", "Refund orders"),
                    ("approve_payouts", "Approve payouts"),
                    ("view_finance", "See the finance report and payouts"),
                    ("moderate_reviews", "Hide and unhide reviews"),
                    ("view_people", "Look up users, providers, orders and listings"),
                    ("verify_providers", "Decide provider applications and documents"),
                    ("view_documents", "Open providers' private documents"),
                    (
                        "enforce_standards",
                        "Penalise and suspend providers; decide appeals",
                    ),
                    (
                        "moderate_messages",
                        "Decide flagged messages and review patterns",
                    ),
                    ("manage_settings", "Change the marketplace's settings"),
                    ("view_audit", "Read the audit trail"),
                ],
                "managed": False,
                "default_permissions": (),
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
