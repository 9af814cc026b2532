"""The commission-limits section of the settings page."""

from django.utils.translation import gettext_lazy as _

from doorstep.marketplace.sections import SettingsSection, register

register(
    SettingsSection(
        key="commission_limits",
        title=_("Commission limits"),
        description=_(
            "The least and the most commission per order, per category and currency."
        ),
        url_name="commissions:limits",
        order=35,
    )
)
