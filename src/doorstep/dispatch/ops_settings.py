"""Dispatch's section of the operator's settings page: the service promises
(respond and arrive within, offer windows, compensation) per city and category."""

from django.utils.translation import gettext_lazy as _

from doorstep.marketplace.sections import SettingsSection, register

register(
    SettingsSection(
        key="dispatch_promises",
        title=_("Service promises (dispatch)"),
        description=_(
            "How soon a worker takes and reaches a platform order, per city and "
            "category; compensation and re-dispatch when a promise is broken."
        ),
        url_name="dispatch_board:promises",
        order=70,
    )
)
