"""The operator's settings changes that ops make, each audited."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

UPDATE_BRANDING = define(
    "settings.update_branding", _("Changed the marketplace's name, logo or colours")
)
UPDATE_POLICY = define(
    "settings.update_policy", _("Changed fees, commission or cancellation policy")
)
ADD_CITY = define("settings.add_city", _("Added a city"))
UPDATE_CITY = define("settings.update_city", _("Changed a city"))
ADD_CATEGORY = define("settings.add_category", _("Added a category"))
UPDATE_CATEGORY = define("settings.update_category", _("Changed a category"))
MOVE_CATEGORY = define("settings.move_category", _("Reordered categories"))
SET_EXCHANGE_RATE = define(
    "settings.set_exchange_rate", _("Entered an exchange rate for estimates")
)
