"""Facets: how many of the current matches fall in each category and price band.

The query service counts matches with one ``GROUP BY category_id, currency,
price_band`` over the filtered set (a few hundred rows at most come back, never
the matches themselves); this module turns those counts into the lists the page
and the API show, and ``brute_force`` feeds it counts made in Python.

**Categories**: with no category chosen, the top-level categories (a listing
counts under its root); with one chosen, that category (total) followed by its
children (a listing counts under the child it sits in).

**Price bands** are fixed steps on a 1-2-5 ladder of major units (under 50, 50 to
100, … 1000 and up), multiplied per currency so the steps stay meaningful for
currencies with small units (JPY, KRW, TWD). Fixed steps, not quantiles: a band's
key stays the same from one search to the next, so it can be a link. A band is
keyed ``"<low>-<high>"`` in minor units, both ends inclusive (the last one
``"<low>-"``), exactly the ``price_min``/``price_max`` that select it, so its count
is what that filter returns. Bands are shown for one currency: the one asked
for, else the one most matches are priced in. Quote-only listings have no band.
"""

from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency
from django.utils.translation import gettext as _

from doorstep.core.money import BABEL_LOCALES, minor_units
from doorstep.search.categories import CategoryInfo
from doorstep.search.params import FacetCount

PRICE_LADDER = (50, 100, 200, 500, 1000)  # band boundaries, in major units
# Multipliers for currencies whose major unit is worth much less than a dollar.
PRICE_LADDER_SCALE = {
    "JPY": 100,
    "KRW": 1000,
    "TWD": 10,
    "INR": 50,
    "IDR": 10000,
    "VND": 10000,
    "THB": 10,
    "PHP": 20,
    "RUB": 50,
}
QUOTE_BAND = -1


def _boundaries(currency: str) -> list[int]:
    factor = PRICE_LADDER_SCALE.get(currency, 1) * 10 ** minor_units(currency)
    return [step * factor for step in PRICE_LADDER]


def price_band(amount: int | None, currency: str) -> int:
    """The index of the band an amount falls in (0 = cheapest), or QUOTE_BAND."""
    if amount is None:
        return QUOTE_BAND
    band = 0
    for boundary in _boundaries(currency):
        if amount < boundary:
            break
        band += 1
    return band


def band_bounds(band: int, currency: str) -> tuple[int, int | None]:
    """Inclusive minor-unit bounds of a band; ``None``: no upper bound."""
    boundaries = _boundaries(currency)
    low = 0 if band == 0 else boundaries[band - 1]
    high = boundaries[band] - 1 if band < len(boundaries) else None
    return low, high


@lru_cache(maxsize=4096)
def _format(amount: int, currency: str, language: str) -> str:
    # Band edges are few and fixed: formatting them is worth doing once.
    locale = BABEL_LOCALES.get(language, "en_US")
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    major = amount / 10 ** minor_units(currency)
    return format_currency(
        major,
        currency,
        locale=locale,
        format=pattern.split(";")[0].replace(".00", ""),
        currency_digits=False,
    )


def price_facets(
    counts: Mapping[tuple[str, int], int], currency: str | None, language: str
) -> tuple[str | None, list[FacetCount]]:
    """Bands of one currency (``currency``, else the commonest) with their counts."""
    if currency is None:
        per_currency = Counter()
        for (code, band), count in counts.items():
            if band != QUOTE_BAND:
                per_currency[code] += count
        if not per_currency:
            return None, []
        currency = min(per_currency, key=lambda code: (-per_currency[code], code))
    facets = []
    for band in range(len(PRICE_LADDER) + 1):
        count = counts.get((currency, band), 0)
        if not count:
            continue
        low, high = band_bounds(band, currency)
        if band == 0:
            label = _("Under %(price)s") % {
                "price": _format(high + 1, currency, language)
            }
        elif high is None:
            label = _("%(price)s and up") % {"price": _format(low, currency, language)}
        else:
            label = _("%(low)s to %(high)s") % {
                "low": _format(low, currency, language),
                "high": _format(high + 1, currency, language),
            }
        key = f"{low}-{high}" if high is not None else f"{low}-"
        facets.append(FacetCount(key=key, label=label, count=count))
    return currency, facets


def category_facets(
    counts: Mapping[int, int],
    categories: Mapping[int, CategoryInfo],
    selected: CategoryInfo | None,
    language: str,
) -> list[FacetCount]:
    """Counts per top-level category, or for the selected one and its children."""
    parent_level = selected.id if selected else None
    totals: Counter = Counter()
    for category_id, count in counts.items():
        # Walk up to the node just below the chosen level.
        node = categories.get(category_id)
        while node is not None and node.parent_id != parent_level:
            node = categories.get(node.parent_id) if node.parent_id else None
        if node is not None:
            totals[node.id] += count
    children = sorted(
        (categories[key] for key in totals if totals[key]),
        key=lambda node: (node.position, node.slug),
    )
    facets = [
        FacetCount(key=node.slug, label=node.name(language), count=totals[node.id])
        for node in children
    ]
    if selected is not None:
        total = sum(counts.values())
        facets.insert(
            0,
            FacetCount(key=selected.slug, label=selected.name(language), count=total),
        )
    return facets
