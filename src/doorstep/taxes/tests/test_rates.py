"""The tax arithmetic: half-up per line, inclusive tax contained in the amount,
exclusive tax added on top, and the rules in force at a moment."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from doorstep.marketplace.models import City
from doorstep.orders.pricing import PriceBreakdown, PriceLine, order_total
from doorstep.taxes import rates
from doorstep.taxes.models import TaxBase, TaxRegion, TaxRegionCity, TaxRule

amounts = st.integers(min_value=0, max_value=10**12)
rate_lists = st.lists(st.integers(min_value=1, max_value=10_000), max_size=4)


def test_half_up_rounds_halves_away_from_zero():
    assert rates.half_up(5, 10) == 1
    assert rates.half_up(4, 10) == 0
    assert rates.half_up(15, 10) == 2


def test_the_examples_of_the_issue():
    # 6% VAT contained in 106.00, 5% GST added to 100.00
    assert rates.tax_amounts(10_600, [600], inclusive=True) == [600]
    assert rates.tax_amounts(10_000, [500], inclusive=False) == [500]
    # Two inclusive rules share one price: 110.00 with 5% + 5% holds 5.00 each.
    assert rates.tax_amounts(11_000, [500, 500], inclusive=True) == [500, 500]


@given(amount=amounts, rates_bps=rate_lists, inclusive=st.booleans())
def test_tax_is_never_negative(amount, rates_bps, inclusive):
    assert all(
        tax >= 0 for tax in rates.tax_amounts(amount, rates_bps, inclusive=inclusive)
    )


@given(amount=amounts, rates_bps=rate_lists)
def test_inclusive_tax_never_exceeds_the_amount(amount, rates_bps):
    assert sum(rates.tax_amounts(amount, rates_bps, inclusive=True)) <= amount


@given(amount=amounts, rate=st.integers(min_value=1, max_value=10_000))
def test_one_inclusive_rate_is_the_exact_share_rounded_half_up(amount, rate):
    (tax,) = rates.tax_amounts(amount, [rate], inclusive=True)
    exact = amount * rate / (10_000 + rate)
    assert abs(tax - exact) <= 0.5


@given(
    subtotal=st.integers(min_value=0, max_value=10**9),
    fee=st.integers(min_value=0, max_value=10**8),
    rate=st.integers(min_value=1, max_value=10_000),
    inclusive=st.booleans(),
)
def test_a_breakdown_total_obeys_the_one_formula(subtotal, fee, rate, inclusive):
    taxes = tuple(
        rates.TaxLine(
            name="VAT",
            rate_bps=rate,
            base=base,
            base_amount=amount,
            amount=tax,
            inclusive=inclusive,
        )
        for base, amount in ((TaxBase.SERVICE, subtotal), (TaxBase.SERVICE_FEE, fee))
        for tax in rates.tax_amounts(amount, [rate], inclusive=inclusive)
    )
    line = PriceLine("service", "Job", subtotal, 1, "CNY")
    breakdown = PriceBreakdown(
        currency="CNY",
        lines=(line,),
        service_fee_amount=fee,
        taxes=taxes,
        prices_include_tax=inclusive,
    )
    added = 0 if inclusive else breakdown.tax_amount
    assert breakdown.total_amount == order_total(
        subtotal=subtotal, service_fee=fee, discount=0, added_tax=added
    )
    assert breakdown.total_amount == subtotal + fee + added
    assert breakdown.tax_amount <= subtotal + fee or not inclusive


@pytest.mark.django_db
def test_the_rules_in_force_at_a_moment():
    region = TaxRegion.objects.create(code="eu", name="EU")
    now = timezone.now()
    old = TaxRule.objects.create(
        region=region,
        name="VAT",
        rate_bps=500,
        on_platform_fees=True,
        valid_from=now - timedelta(days=30),
        valid_until=now,
    )
    new = TaxRule.objects.create(
        region=region, name="VAT", rate_bps=600, on_platform_fees=True, valid_from=now
    )

    assert rates.rules_in_force(region, now - timedelta(days=1)) == [old]
    assert rates.rules_in_force(region, now) == [new]
    assert rates.rules_in_force(region, now - timedelta(days=31)) == []


@pytest.mark.django_db
def test_a_place_is_in_the_region_of_its_city_and_outside_every_city_in_none():
    shanghai = City.objects.get(slug="shanghai")
    region = TaxRegion.objects.create(code="cn", name="China")
    TaxRegionCity.objects.create(region=region, city=shanghai)

    assert rates.region_at(shanghai.latitude, shanghai.longitude) == region
    assert rates.region_at(0.0, 0.0) is None
    assert rates.tax_lines(None, base=TaxBase.SERVICE, amount=10_000) == ()
