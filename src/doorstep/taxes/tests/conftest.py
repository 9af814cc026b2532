"""Regions and taxed orders for the taxes tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.marketplace.models import City
from doorstep.orders.models import Order
from doorstep.orders.pricing import price_booking, save_lines
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import LedgerAccount
from doorstep.taxes.models import TaxRegion, TaxRegionCity, TaxRule
from tests.factories import make_category, make_listing, make_order, make_provider

CARD_OK = "4242 4242 4242 4242"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    sandbox.clear_injected_failures()
    yield
    sandbox.clear_injected_failures()


def make_region(
    code: str,
    city_slug: str,
    *,
    inclusive: bool,
    rules: list[tuple[str, int, bool, bool]],
) -> TaxRegion:
    """A region of one city with ``rules`` (name, rate, on service, on fees)
    in force since yesterday."""
    region = TaxRegion.objects.create(
        code=code, name=code.upper(), prices_include_tax=inclusive
    )
    TaxRegionCity.objects.create(region=region, city=City.objects.get(slug=city_slug))
    for name, rate, on_service, on_fees in rules:
        TaxRule.objects.create(
            region=region,
            name=name,
            rate_bps=rate,
            on_service=on_service,
            on_platform_fees=on_fees,
            valid_from=timezone.now() - timedelta(days=1),
        )
    return region


def city_point(slug: str) -> tuple[float, float]:
    city = City.objects.get(slug=slug)
    return city.latitude, city.longitude


def taxed_listing(*, city_slug: str = "shanghai", price: int = 10_000, currency="CNY"):
    category = make_category()
    category.commission_bps = 1500
    category.save(update_fields=["commission_bps"])
    provider = make_provider(at=city_point(city_slug))
    return make_listing(
        provider=provider, category=category, price=price, currency=currency
    )


def priced_order(listing, customer=None) -> Order:
    """An order of ``listing`` priced and stored as the booking service does."""
    order = make_order(listing=listing, customer=customer)
    breakdown = price_booking(listing=listing, hours=None, add_ons=[])
    figures = breakdown.order_figures()
    figures.pop("currency")
    Order.objects.filter(pk=order.pk).update(**figures)
    order.refresh_from_db()
    order.lines.all().delete()
    save_lines(order, breakdown)
    return order


def balance(kind, **party) -> int:
    account = LedgerAccount.objects.filter(kind=kind, **party).first()
    return account.balance if account else 0
