"""Which region a provider works in, for requirements that differ by city: the
one place that answers it, from the cities the operator serves
(``marketplace.City``, each with its radius)."""

from collections.abc import Iterable

from doorstep.marketplace.queries import city_near
from doorstep.marketplace.state import served_cities


def region_of(provider) -> str:
    """The slug of the served city whose radius reaches ``provider``'s base
    (the nearest, where several do), or ``""``: then only the requirements for
    everywhere apply."""
    city = city_near(provider.latitude, provider.longitude)
    return city.slug if city else ""


def regions_of(providers: Iterable) -> dict[int, str]:
    """``region_of`` for many providers (by id), reading the cities once."""
    cities = served_cities()
    regions = {}
    for provider in providers:
        city = city_near(provider.latitude, provider.longitude, cities=cities)
        regions[provider.pk] = city.slug if city else ""
    return regions
