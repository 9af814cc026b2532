"""The common document types, and the one requirement every marketplace starts
with: an ID card from every provider, everywhere. Requirements per category
(a health certificate for cleaning and care, a licence for electrical work) are
the operator's to set, as their categories are."""

from django.db import migrations

from doorstep.trust.document_types import ensure_document_types


def seed(apps, schema_editor):
    ensure_document_types(
        apps.get_model("trust", "DocumentType"),
        apps.get_model("trust", "DocumentRequirement"),
    )


class Migration(migrations.Migration):
    dependencies = [("trust", "0002_onboard_documents")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
