"""Which region a provider works in, for requirements that differ by city.

The one place that answers it: the marketplace's cities will become a model
(``marketplace.City``), and then only this function changes.
"""

from django.conf import settings

from doorstep.core.geo import distance_km

# A provider further than this from every city is in no region: only the
# requirements for everywhere apply.
REGION_RADIUS_KM = 100


def region_of(provider) -> str:
    """The slug of the city nearest ``provider``'s base within
    ``REGION_RADIUS_KM``, or ``""``."""
    nearest, nearest_km = "", float(REGION_RADIUS_KM)
    for city in settings.DOORSTEP_SEARCH_CITIES:
        km = distance_km(
            provider.latitude, provider.longitude, city["lat"], city["lng"]
        )
        if km <= nearest_km:
            nearest, nearest_km = city["slug"], km
    return nearest
