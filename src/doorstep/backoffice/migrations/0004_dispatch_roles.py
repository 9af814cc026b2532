"""The dispatch permission, given to a new Dispatch role, to Support (who answer
customers waiting for a worker) and to Ops admin."""

from django.db import migrations

PERMISSIONS = {"dispatch_orders": "Watch the dispatch board; assign platform orders"}

ROLES = {
    # Assigning by hand fires the order's ops transitions (assign, unassign).
    "Dispatch": ["dispatch_orders", "view_people", "act_on_orders"],
    "Support": ["dispatch_orders"],
    "Ops admin": ["dispatch_orders"],
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
    for codename in ("view_people", "act_on_orders"):
        permissions[codename] = Permission.objects.get(
            content_type=content_type, codename=codename
        )
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(permissions[codename] for codename in codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Permission.objects.filter(
        content_type__app_label="backoffice", codename__in=PERMISSIONS
    ).delete()
    Group.objects.filter(name="Dispatch").delete()


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0003_console_queue_watermark")]

    operations = [migrations.RunPython(grant, revoke)]
