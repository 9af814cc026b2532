"""The money and policy figures the marketplace runs on — the one function every
price, money flow and order rule reads: ``current()``.

Each figure has a default from the environment (``DOORSTEP_SERVICE_FEE_BPS``…,
read at start-up and checked there) that the operator may override at
``/ops/settings/fees/``; the override lives in the settings row and is seen by
every process on its next request (see ``state``). Orders store the amounts
they were priced and charged at, so a change applies to new prices only.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import DEFAULT_COMMISSION_BPS
from doorstep.core.money import minor_units
from doorstep.marketplace.state import settings_row
from doorstep.payments.conf import setting


@dataclass(frozen=True)
class Policy:
    # The customer's service fee on top of the price: 500 = 5%.
    service_fee_bps: int
    # The platform's commission where a category sets none (orders without a
    # listing's category); each category has its own.
    default_commission_bps: int
    # A customer's cancellation is free until this many hours before the start.
    cancellation_free_hours: int
    # After that, this share of the price is kept…
    cancellation_fee_bps: int
    # …of which the provider gets this share (the platform keeps the rest).
    cancellation_provider_share_bps: int
    # A no-show can be reported this many minutes after the start time.
    no_show_grace_minutes: int
    # Days earnings stay pending before they can be paid out.
    clearing_days: int
    # The smallest payout a provider may request, in minor units.
    min_payout: int
    # Requests for quotes: how many providers a job request goes to…
    quote_invitations: int
    # …how long each has to quote or decline…
    quote_answer_hours: int
    # …and what sending a quote costs them (minor units of the request's
    # currency; 0: no lead fees), refunded if the customer never opens it.
    quote_lead_fee: int
    # Paid promotion: what a day of a listing's promotion costs its provider
    # (minor units of the listing's currency; 0: free).
    promotion_day_price: int


class Unit:
    PERCENT = "percent"  # stored as basis points, typed as a percentage
    HOURS = "hours"
    MINUTES = "minutes"
    DAYS = "days"
    MINOR_UNITS = "minor_units"
    COUNT = "count"


@dataclass(frozen=True)
class Figure:
    """How one policy figure is edited: its label, unit, allowed range (in
    stored units) and where its default comes from."""

    name: str
    label: Promise
    unit: str
    low: int
    high: int
    default: Callable[[], int]


FIGURES: tuple[Figure, ...] = (
    Figure(
        "service_fee_bps",
        _("Customer service fee"),
        Unit.PERCENT,
        0,
        3_000,
        lambda: setting("DOORSTEP_SERVICE_FEE_BPS"),
    ),
    Figure(
        "default_commission_bps",
        _("Commission where the category sets none"),
        Unit.PERCENT,
        0,
        5_000,
        lambda: DEFAULT_COMMISSION_BPS,
    ),
    Figure(
        "cancellation_free_hours",
        _("Free cancellation until, before the start"),
        Unit.HOURS,
        0,
        720,
        lambda: settings.DOORSTEP_CANCELLATION_FREE_HOURS,
    ),
    Figure(
        "cancellation_fee_bps",
        _("Late cancellation fee, of the price"),
        Unit.PERCENT,
        0,
        10_000,
        lambda: settings.DOORSTEP_CANCELLATION_FEE_BPS,
    ),
    Figure(
        "cancellation_provider_share_bps",
        _("Provider's share of a cancellation fee"),
        Unit.PERCENT,
        0,
        10_000,
        lambda: setting("DOORSTEP_CANCELLATION_PROVIDER_SHARE_BPS"),
    ),
    Figure(
        "no_show_grace_minutes",
        _("No-show can be reported after the start time"),
        Unit.MINUTES,
        0,
        240,
        lambda: settings.DOORSTEP_NO_SHOW_GRACE_MINUTES,
    ),
    Figure(
        "clearing_days",
        _("Earnings clear for payout after"),
        Unit.DAYS,
        0,
        365,
        lambda: setting("DOORSTEP_CLEARING_DAYS"),
    ),
    Figure(
        "min_payout",
        _("Smallest payout (minor units)"),
        Unit.MINOR_UNITS,
        1,
        100_000_000,
        lambda: setting("DOORSTEP_MIN_PAYOUT"),
    ),
    Figure(
        "quote_invitations",
        _("Providers a request for quotes goes to"),
        Unit.COUNT,
        1,
        20,
        lambda: settings.DOORSTEP_QUOTE_INVITATIONS,
    ),
    Figure(
        "quote_answer_hours",
        _("Time a provider has to quote"),
        Unit.HOURS,
        1,
        168,
        lambda: settings.DOORSTEP_QUOTE_ANSWER_HOURS,
    ),
    Figure(
        "quote_lead_fee",
        _("Lead fee per quote sent (minor units, 0: none)"),
        Unit.MINOR_UNITS,
        0,
        10_000_000,
        lambda: settings.DOORSTEP_QUOTE_LEAD_FEE,
    ),
    Figure(
        "promotion_day_price",
        _("Promotion of a service, per day (minor units, 0: free)"),
        Unit.MINOR_UNITS,
        0,
        10_000_000,
        lambda: settings.DOORSTEP_PROMOTION_DAY_PRICE,
    ),
)
FIGURES_BY_NAME = {figure.name: figure for figure in FIGURES}
assert set(FIGURES_BY_NAME) == {field.name for field in fields(Policy)}


def defaults() -> Policy:
    """The figures as the environment sets them (no operator override)."""
    return Policy(**{figure.name: figure.default() for figure in FIGURES})


def money_figures() -> tuple[Figure, ...]:
    """The figures that are amounts of money (minor units)."""
    return tuple(figure for figure in FIGURES if figure.unit == Unit.MINOR_UNITS)


def scaled(amount: int, currency: str) -> int:
    """An amount of a two-decimal currency carried over to ``currency``'s minor
    units, whole major units kept: 5000 (50.00) is 50 in JPY and 50000 in KWD.
    Rounded down where ``currency`` has fewer decimals."""
    places = minor_units(currency) - 2
    return amount * 10**places if places >= 0 else amount // 10**-places


def amount_in(name: str, currency: str) -> int:
    """A money figure (``min_payout``, ``quote_lead_fee``…) in ``currency``'s
    minor units: the operator's amount for that currency where they set one,
    else the figure in force scaled to the currency's decimals (``scaled``).
    Raises ``KeyError`` for a figure that is not an amount."""
    figure = FIGURES_BY_NAME[name]
    if figure.unit != Unit.MINOR_UNITS:
        raise KeyError(name)
    row = settings_row()
    override = (row.currency_amounts or {}).get(name, {}).get(currency)
    if override is not None:
        return int(override)
    return scaled(getattr(current(), name), currency)


def current() -> Policy:
    """The figures in force now: the operator's override where there is one,
    the environment's default otherwise."""
    row = settings_row()
    values = {}
    for figure in FIGURES:
        override = getattr(row, figure.name)
        values[figure.name] = figure.default() if override is None else override
    return Policy(**values)
