"""The growth permission: running campaigns and codes and reviewing held
referral rewards, for Ops admin, and Trust & safety (who judge fraud)."""

from django.db import migrations

PERMISSIONS = {
    "run_growth": "Run campaigns and codes; review held referral rewards",
}

ROLES = {
    "Trust & safety": ["run_growth"],
    "Ops admin": ["run_growth"],
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
    dependencies = [("backoffice", "0008_growth_permission_option")]

    operations = [migrations.RunPython(grant, revoke)]
