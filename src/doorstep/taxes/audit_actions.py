"""The tax settings ops change, each audited."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

SAVE_TAX_REGION = define(
    "settings.save_tax_region", _("Added or changed a tax region and its cities")
)
ADD_TAX_RULE = define("settings.add_tax_rule", _("Added a tax rule"))
END_TAX_RULE = define("settings.end_tax_rule", _("Ended a tax rule"))
