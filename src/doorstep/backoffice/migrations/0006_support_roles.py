"""The support permissions: tickets for Support and Ops admin; deciding disputes
and claims (money moves on the decision) for Support leads in Trust & safety and
Ops admin, with Finance watching the guarantee fund; the help centre for
Support and Ops admin."""

from django.db import migrations

PERMISSIONS = {
    "handle_tickets": "Answer and assign support tickets",
    "decide_disputes": "Decide disputes and claims; pay from the guarantee",
    "edit_help": "Write and publish help articles",
}

ROLES = {
    "Support": ["handle_tickets", "decide_disputes", "edit_help"],
    "Trust & safety": ["handle_tickets", "decide_disputes"],
    "Ops admin": ["handle_tickets", "decide_disputes", "edit_help"],
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
    dependencies = [("backoffice", "0005_dispatch_permission")]

    operations = [migrations.RunPython(grant, revoke)]
