"""The cities a new installation serves: those ``DOORSTEP_SEARCH_CITIES`` names
(the demo's five by default), with the currency, time zone and names the demo's
city data has for them. The first migration writes them; until it has (or
after a test flushed the tables) they stand in for the table."""

from typing import Any

from django.conf import settings

# slug: (English, Simplified, Traditional, currency, time zone, radius km)
KNOWN = {
    "shanghai": ("Shanghai", "上海", "上海", "CNY", "Asia/Shanghai", 60),
    "taipei": ("Taipei", "台北", "臺北", "TWD", "Asia/Taipei", 40),
    "hong-kong": ("Hong Kong", "香港", "香港", "HKD", "Asia/Hong_Kong", 35),
    "san-francisco": (
        "San Francisco",
        "旧金山",
        "舊金山",
        "USD",
        "America/Los_Angeles",
        50,
    ),
    "new-york": ("New York", "纽约", "紐約", "USD", "America/New_York", 50),
}


def initial_cities() -> list[dict[str, Any]]:
    """The field values of each initial city, in order."""
    cities = []
    for position, entry in enumerate(getattr(settings, "DOORSTEP_SEARCH_CITIES", [])):
        slug = str(entry["slug"])
        english, simplified, traditional, currency, time_zone, radius = KNOWN.get(
            slug,
            (
                str(entry["name"]),
                "",
                "",
                settings.DOORSTEP_CURRENCY,
                settings.TIME_ZONE,
                50,
            ),
        )
        cities.append(
            {
                "slug": slug,
                "name_en": english,
                "name_zh_hans": simplified,
                "name_zh_hant": traditional,
                "currency": currency,
                "time_zone": time_zone,
                "latitude": float(entry["lat"]),
                "longitude": float(entry["lng"]),
                "radius_km": radius,
                "position": position,
            }
        )
    return cities
