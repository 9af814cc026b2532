"""The sections of the operator's settings page (``/ops/settings/``).

This app builds the marketplace's own sections (name and look, cities,
categories, fees and policies). Other apps add theirs — penalty rules,
onboarding requirements — in their own ``ops_settings`` module, found when
Django starts::

    from doorstep.backoffice.access import OpsPermission
    from doorstep.marketplace.sections import SettingsSection, register

    register(SettingsSection(
        key="penalties",
        title=_("Penalties"),
        description=_("Fines, strikes and the thresholds that restrict or suspend."),
        url_name="trust:ops_penalty_rules",
        order=50,
    ))

Until an app registers a section under one of ``RESERVED`` keys, the page lists
it as "not set up yet", so ops see where it will be.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import OpsPermission


@dataclass(frozen=True)
class SettingsSection:
    key: str
    title: Promise | str
    description: Promise | str
    url_name: str
    # Who may open it; settings are changed with MANAGE_SETTINGS.
    permission: OpsPermission = OpsPermission.MANAGE_SETTINGS
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class ReservedSection:
    """A section another app is to provide, shown until it does."""

    key: str
    title: Promise
    description: Promise


# The places kept for the work of other apps (their keys are what they register).
PENALTIES = "penalties"
ONBOARDING = "onboarding"
RESERVED = (
    ReservedSection(
        PENALTIES,
        _("Penalties and standards"),
        _("Fines, strikes, and the thresholds that warn, restrict or suspend."),
    ),
    ReservedSection(
        ONBOARDING,
        _("Onboarding requirements"),
        _("The documents providers must have approved, per category and region."),
    ),
)

_SECTIONS: dict[str, SettingsSection] = {}


def register(section: SettingsSection) -> SettingsSection:
    if section.key in _SECTIONS and _SECTIONS[section.key] != section:
        raise ValueError(f"settings section {section.key!r} is registered twice")
    _SECTIONS[section.key] = section
    return section


def registered() -> list[SettingsSection]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.key))


def not_set_up() -> list[ReservedSection]:
    return [reserved for reserved in RESERVED if reserved.key not in _SECTIONS]
