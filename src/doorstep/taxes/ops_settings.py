"""The tax section of the settings page."""

from django.utils.translation import gettext_lazy as _

from doorstep.marketplace.sections import SettingsSection, register

register(
    SettingsSection(
        key="taxes",
        title=_("Taxes"),
        description=_(
            "Tax regions (their cities, tax-inclusive or exclusive prices) and "
            "their rates over time."
        ),
        url_name="taxes:regions",
        order=45,
    )
)
