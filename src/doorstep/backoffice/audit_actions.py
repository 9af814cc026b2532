"""Edits ops make through Django's admin, mirrored into the one audit trail
(see ``backoffice.admin_audit``)."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

ADMIN_ADD = define("admin.add", _("Added a record in the admin"))
ADMIN_CHANGE = define("admin.change", _("Changed a record in the admin"))
ADMIN_DELETE = define("admin.delete", _("Deleted a record in the admin"))
