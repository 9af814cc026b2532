"""Money figures per currency: a two-decimal amount keeps its whole units in
other currencies (50.00 is ¥50 and 50.000 KWD) unless ops set an amount for
that currency, typed in its own major units, audited, and refused beside the
field when it cannot be."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import PermissionDenied
from doorstep.marketplace import policy, services
from doorstep.marketplace.models import MarketplaceSettings
from doorstep.marketplace.policy import scaled
from tests.factories import make_ops

FEES = "/ops/settings/fees/"


@pytest.mark.parametrize(
    ("currency", "expected"), [("CNY", 5000), ("JPY", 50), ("KWD", 50000)]
)
def test_a_two_decimal_amount_keeps_its_whole_units(currency, expected):
    assert scaled(5000, currency) == expected


@given(amount=st.integers(0, 10**9), currency=st.sampled_from(["JPY", "KWD", "USD"]))
def test_scaling_never_makes_an_amount_larger_in_whole_units(amount, currency):
    from doorstep.core.money import Money

    assert Money(scaled(amount, currency), currency).major <= Money(amount, "USD").major


@pytest.mark.django_db
def test_the_minimum_payout_in_yen_is_scaled_until_ops_set_one(settings):
    settings.DOORSTEP_MIN_PAYOUT = 5000
    ops = make_ops("Ops admin")
    assert policy.amount_in("min_payout", "JPY") == 50

    services.update_currency_amounts(
        actor=ops, values={"min_payout": {"JPY": 3000}}, reason="bank fees"
    )

    assert policy.amount_in("min_payout", "JPY") == 3000
    assert policy.amount_in("min_payout", "CNY") == 5000
    entry = AuditEntry.objects.get(action="settings.update_policy")
    assert entry.after == {"currency_amounts": {"min_payout": {"JPY": 3000}}}
    assert entry.reason == "bank fees"

    services.update_currency_amounts(actor=ops, values={"min_payout": {"JPY": None}})
    assert policy.amount_in("min_payout", "JPY") == 50
    assert MarketplaceSettings.objects.get().currency_amounts == {}


@pytest.mark.django_db
def test_the_fees_page_takes_amounts_in_each_currencys_own_units(ops_client):
    html = ops_client.get(FEES).content.decode()
    assert "min_payout__CNY" in html

    response = ops_client.post(FEES, {"amounts": "1", "min_payout__CNY": "80.50"})

    assert response.status_code == 302
    assert policy.amount_in("min_payout", "CNY") == 8050


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["80.505", "-1", "abc", "2000000"])
def test_an_amount_that_cannot_be_is_refused_beside_the_field(ops_client, value):
    before = MarketplaceSettings.objects.values().first()

    response = ops_client.post(FEES, {"amounts": "1", "min_payout__CNY": value})

    assert response.status_code == 400
    assert 'id="id_min_payout__CNY_error"' in response.content.decode()
    assert MarketplaceSettings.objects.values().first() == before
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_only_money_figures_and_real_currencies_are_accepted():
    ops = make_ops("Ops admin")
    with pytest.raises(services.DomainError) as refused:
        services.update_currency_amounts(
            actor=ops,
            values={"clearing_days": {"CNY": 3}, "min_payout": {"XXY": 100}},
        )
    assert set(refused.value.fields) == {"clearing_days.CNY", "min_payout.XXY"}


@pytest.mark.django_db
def test_someone_without_the_settings_role_cannot_set_amounts():
    with pytest.raises(PermissionDenied) as refused:
        services.update_currency_amounts(
            actor=make_ops("Support"), values={"min_payout": {"CNY": 100}}
        )
    assert refused.value.code == "ops_permission_required"
    assert not MarketplaceSettings.objects.exclude(currency_amounts={}).exists()
