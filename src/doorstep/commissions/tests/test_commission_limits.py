"""Commission within a category's limits per currency, in the one function
release and the provider's pages use; ops set the limits (audited)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.audit.models import AuditEntry
from doorstep.commissions.models import CommissionLimit
from doorstep.payments import fees, flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import LedgerAccount
from tests.factories import (
    make_category,
    make_listing,
    make_ops,
    make_order,
    sign_in_ops,
)

pytestmark = pytest.mark.django_db

CARD_OK = "4242 4242 4242 4242"


@pytest.fixture
def order(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    category = make_category()
    category.commission_bps = 1500
    category.save(update_fields=["commission_bps"])
    return make_order(listing=make_listing(category=category, price=10_000))


def test_the_limits_hold_in_the_orders_currency_only(order):
    category = order.listing.category
    CommissionLimit.objects.create(
        category=category, currency="CNY", minimum_amount=2_000, maximum_amount=5_000
    )
    CommissionLimit.objects.create(
        category=category, currency="USD", minimum_amount=1, maximum_amount=2
    )

    assert fees.commission_for(order, 10_000) == 2_000  # 15% = 1 500, below minimum
    assert fees.commission_for(order, 100_000) == 5_000  # 15 000, above maximum
    assert fees.commission_for(order, 20_000) == 3_000  # within
    assert fees.commission_for(order, 1_000) == 1_000  # never more than earned
    assert fees.commission_for(order, 20_000, discount_bps=500) == 2_000
    assert fees.provider_commission_discount_bps(order.provider) == 0


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    earned=st.integers(min_value=0, max_value=10**10),
    minimum=st.integers(min_value=0, max_value=10**6),
    spread=st.none() | st.integers(min_value=0, max_value=10**7),
    discount=st.integers(min_value=0, max_value=20_000),
)
def test_minimum_le_commission_le_maximum(order, earned, minimum, spread, discount):
    maximum = None if spread is None else minimum + spread
    CommissionLimit.objects.update_or_create(
        category=order.listing.category,
        currency=order.currency,
        defaults={"minimum_amount": minimum, "maximum_amount": maximum},
    )

    commission = fees.commission_for(order, earned, discount_bps=discount)

    assert 0 <= commission <= earned
    if earned >= minimum:
        assert commission >= minimum
    if maximum is not None:
        assert commission <= maximum


def test_release_and_the_providers_estimate_use_the_limited_commission(order):
    CommissionLimit.objects.create(
        category=order.listing.category, currency="CNY", minimum_amount=2_500
    )
    expected = fees.expected_earnings(order)
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    type(order).objects.filter(pk=order.pk).update(state="completed")

    flows.release_order(order=order)

    pending = LedgerAccount.objects.get(
        kind=K.PROVIDER_PENDING, provider=order.provider
    ).balance
    assert pending == expected == 10_000 - 2_500
    assert LedgerAccount.objects.get(kind=K.COMMISSION_REVENUE).balance == 2_500


def test_ops_set_limits_audited_and_bad_limits_change_nothing(client, order):
    category = order.listing.category
    url = reverse("commissions:limits")
    sign_in_ops(client, make_ops("Ops admin"))

    bad = client.post(
        url,
        {
            "category": category.public_id,
            "currency": "CNY",
            "minimum": "50",
            "maximum": "10",
        },
    )
    too_precise = client.post(
        url, {"category": category.public_id, "currency": "JPY", "minimum": "1.5"}
    )
    assert bad.status_code == 400
    assert too_precise.status_code == 400
    assert not CommissionLimit.objects.exists()
    assert not AuditEntry.objects.exists()

    good = client.post(
        url,
        {
            "category": category.public_id,
            "currency": "cny",
            "minimum": "20",
            "maximum": "50",
        },
    )
    assert good.status_code == 302
    limit = CommissionLimit.objects.get()
    assert (limit.currency, limit.minimum_amount, limit.maximum_amount) == (
        "CNY",
        2_000,
        5_000,
    )
    assert AuditEntry.objects.get().action == "settings.set_commission_limit"

    client.post(reverse("commissions:remove_limit", args=[limit.public_id]))
    assert not CommissionLimit.objects.exists()


def test_a_role_without_settings_cannot_set_limits(client, order):
    sign_in_ops(client, make_ops("Support"))

    page = client.get(reverse("commissions:limits"))
    post = client.post(
        reverse("commissions:limits"),
        {
            "category": order.listing.category.public_id,
            "currency": "CNY",
            "minimum": "1",
        },
    )

    assert page.status_code == 403
    assert post.status_code == 403
    assert not CommissionLimit.objects.exists()
