"""Reads of the operator's settings: the marketplace's name and look, and the
cities it serves."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from doorstep.core.geo import distance_km
from doorstep.marketplace.state import ServedCity, served_cities, settings_row


@dataclass(frozen=True)
class Branding:
    name: str
    logo_url: str  # empty: the built-in mark
    primary_colour: str  # empty: the built-in colour
    accent_colour: str
    version: int

    @property
    def theme_url(self) -> str:
        """The colours as a stylesheet, its URL changing with every change."""
        return f"{reverse('marketplace:theme')}?v={self.version}"


def branding() -> Branding:
    row = settings_row()
    return Branding(
        name=row.name or settings.DOORSTEP_SITE_NAME,
        logo_url=row.logo.url if row.logo else "",
        primary_colour=row.primary_colour,
        accent_colour=row.accent_colour,
        version=row.version,
    )


def site_name() -> str:
    """What the marketplace is called (pages, e-mails, the authenticator app)."""
    return settings_row().name or settings.DOORSTEP_SITE_NAME


def cities() -> tuple[ServedCity, ...]:
    """The cities the marketplace serves, in the operator's order."""
    return served_cities()


def city_by_slug(slug: str) -> ServedCity | None:
    return next((city for city in served_cities() if city.slug == slug), None)


def city_near(
    latitude: float,
    longitude: float,
    *,
    cities: Sequence[ServedCity] | None = None,
) -> ServedCity | None:
    """The nearest served city whose radius reaches this point, or ``None``.
    ``cities`` saves reading the served cities again when asking for many."""
    best: tuple[float, ServedCity] | None = None
    for city in served_cities() if cities is None else cities:
        distance = distance_km(latitude, longitude, city.latitude, city.longitude)
        if distance <= city.radius_km and (best is None or distance < best[0]):
            best = (distance, city)
    return best[1] if best else None
