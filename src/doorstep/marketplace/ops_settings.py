"""This app's own sections of the settings page."""

from django.utils.translation import gettext_lazy as _

from doorstep.marketplace.sections import SettingsSection, register

register(
    SettingsSection(
        key="branding",
        title=_("Name, logo and colours"),
        description=_("What the marketplace is called and how it looks."),
        url_name="marketplace:branding",
        order=10,
    )
)
register(
    SettingsSection(
        key="cities",
        title=_("Cities"),
        description=_("Where the marketplace serves, with currency and time zone."),
        url_name="marketplace:cities",
        order=20,
    )
)
register(
    SettingsSection(
        key="categories",
        title=_("Categories"),
        description=_("Add, rename, reorder and retire categories; their commission."),
        url_name="marketplace:categories",
        order=30,
    )
)
register(
    SettingsSection(
        key="fees",
        title=_("Fees and policies"),
        description=_(
            "Service fee, commission, cancellation, no-show grace, clearing, payouts."
        ),
        url_name="marketplace:fees",
        order=40,
    )
)
register(
    SettingsSection(
        key="exchange_rates",
        title=_("Exchange rates for estimates"),
        description=_(
            "Rates for showing a total in one currency, always as an estimate."
        ),
        url_name="marketplace:exchange_rates",
        order=45,
    )
)
