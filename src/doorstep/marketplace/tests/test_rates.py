"""Exchange rates for estimates: entered by ops (audited, history kept),
used only by ``rates.estimate``, which rounds half-even to the target
currency's minor units and gives ``None`` without a rate."""

from decimal import Decimal

import pytest

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.marketplace import rates
from doorstep.marketplace.models import ExchangeRate
from doorstep.marketplace.services import set_exchange_rate
from tests.factories import make_user

pytestmark = pytest.mark.django_db

RATES = "/ops/settings/exchange-rates/"


def test_estimate_rounds_half_even_to_the_target_minor_units(admin_ops):
    set_exchange_rate(actor=admin_ops, base="KWD", quote="JPY", rate=Decimal("485"))
    set_exchange_rate(actor=admin_ops, base="JPY", quote="KWD", rate=Decimal("0.0021"))
    set_exchange_rate(actor=admin_ops, base="CNY", quote="JPY", rate=Decimal("20.5"))

    # KWD 1.001 × 485 = ¥485.485 → ¥485 (JPY has no minor units)
    assert rates.estimate(Money(1_001, "KWD"), "JPY") == Money(485, "JPY")
    # ¥1,250 × 0.0021 = KWD 2.625 (three places, exact)
    assert rates.estimate(Money(1_250, "JPY"), "KWD") == Money(2_625, "KWD")
    # CN¥0.01 × 20.5 = ¥0.205 → ¥0; CN¥0.10 → ¥2.05 → ¥2; half-even at .5:
    assert rates.estimate(Money(1, "CNY"), "JPY") == Money(0, "JPY")
    set_exchange_rate(actor=admin_ops, base="CNY", quote="JPY", rate=Decimal("25"))
    assert rates.estimate(Money(2, "CNY"), "JPY") == Money(0, "JPY")  # 0.5 → 0
    assert rates.estimate(Money(6, "CNY"), "JPY") == Money(2, "JPY")  # 1.5 → 2


def test_estimate_without_a_rate_is_none_and_same_currency_is_itself():
    assert rates.estimate(Money(1_200, "JPY"), "CNY") is None
    assert rates.estimate(Money(1_250, "KWD"), "KWD") == Money(1_250, "KWD")


def test_the_newest_rate_is_used_and_each_change_is_audited(admin_ops):
    set_exchange_rate(actor=admin_ops, base="JPY", quote="CNY", rate=Decimal("0.05"))
    set_exchange_rate(
        actor=admin_ops, base="JPY", quote="CNY", rate=Decimal("0.048"), reason="BOC"
    )

    assert rates.estimate(Money(1_000, "JPY"), "CNY") == Money(4_800, "CNY")
    assert ExchangeRate.objects.count() == 2
    entries = AuditEntry.objects.filter(action="settings.set_exchange_rate")
    assert entries.count() == 2
    assert Decimal(entries.order_by("pk").last().before["rate"]) == Decimal("0.05")


@pytest.mark.parametrize(
    ("base", "quote", "rate", "field"),
    [
        ("XXQ", "CNY", Decimal("1"), "base"),
        ("JPY", "JPY", Decimal("1"), "quote"),
        ("JPY", "CNY", Decimal("0"), "rate"),
        ("JPY", "CNY", Decimal("-1"), "rate"),
        ("JPY", "CNY", Decimal("0.00000000001"), "rate"),
    ],
)
def test_bad_rates_are_refused_and_change_nothing(admin_ops, base, quote, rate, field):
    with pytest.raises(DomainError) as refused:
        set_exchange_rate(actor=admin_ops, base=base, quote=quote, rate=rate)

    assert field in refused.value.fields
    assert not ExchangeRate.objects.exists()
    assert not AuditEntry.objects.filter(action="settings.set_exchange_rate").exists()


def test_only_settings_ops_may_enter_a_rate():
    with pytest.raises(DomainError):
        set_exchange_rate(
            actor=make_user(), base="JPY", quote="CNY", rate=Decimal("0.05")
        )
    assert not ExchangeRate.objects.exists()


def test_the_settings_page_lists_and_enters_rates(ops_client):
    index = ops_client.get("/ops/settings/").content.decode()
    assert RATES in index

    saved = ops_client.post(
        RATES, {"base": "kwd", "quote": "CNY", "rate": "23.5", "reason": "BOC"}
    )
    page = ops_client.get(RATES).content.decode()
    refused = ops_client.post(RATES, {"base": "JPY", "quote": "JPY", "rate": "1"})

    assert saved.status_code == 302
    assert 'data-rate="KWD-CNY"' in page
    assert "23.5" in page
    assert refused.status_code == 400
    assert 'id="id_quote_error"' in refused.content.decode()
    assert ExchangeRate.objects.count() == 1
