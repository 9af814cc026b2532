"""This app's sections of the operator's settings page: onboarding
requirements, and the penalties of standards enforcement."""

from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission
from doorstep.marketplace.sections import (
    ONBOARDING,
    PENALTIES,
    SettingsSection,
    register,
)

register(
    SettingsSection(
        key=PENALTIES,
        title=_("Penalties and standards"),
        description=_(
            "Fines, strikes, and the thresholds that warn, restrict or suspend."
        ),
        url_name="standards:ops_home",
        permission=OpsPermission.ENFORCE_STANDARDS,
        order=50,
    )
)
register(
    SettingsSection(
        key=ONBOARDING,
        title=_("Onboarding requirements"),
        description=_(
            "The documents providers must have approved, per category and region."
        ),
        url_name="trust:ops_requirements",
        order=60,
    )
)
