"""Which region a provider works in, for requirements that differ by city: the
one place that answers it, from the cities the operator serves
(``marketplace.City``, each with its radius)."""

from doorstep.marketplace.queries import city_near


def region_of(provider) -> str:
    """The slug of the served city whose radius reaches ``provider``'s base
    (the nearest, where several do), or ``""``: then only the requirements for
    everywhere apply."""
    city = city_near(provider.latitude, provider.longitude)
    return city.slug if city else ""
