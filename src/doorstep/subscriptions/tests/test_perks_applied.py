"""A plan's perks where they count: the commission discount lowers what the
platform takes at release (payments.fees reads perks_of), and ends with the
plan."""

import pytest

from doorstep.payments import fees, flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import LedgerAccount
from doorstep.payments.tests.conftest import CARD_OK as ORDER_CARD
from doorstep.payments.tests.conftest import set_state
from doorstep.subscriptions import services
from doorstep.subscriptions.tests.conftest import save_card
from tests.factories import make_category, make_listing, make_order, make_user

pytestmark = pytest.mark.django_db


def _released_commission(provider) -> int:
    category = make_category()
    category.commission_bps = 1500
    category.save(update_fields=["commission_bps"])
    listing = make_listing(category=category, provider=provider, price=10_000)
    order = make_order(listing=listing, customer=make_user())
    flows.authorise_order(order=order, payment_method=ORDER_CARD)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)
    return LedgerAccount.objects.get(kind=K.COMMISSION_REVENUE, currency="CNY").balance


def test_a_plans_commission_discount_lowers_the_commission_at_release(provider, pro):
    save_card(provider.user)
    services.subscribe(
        user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
    )
    assert fees.provider_commission_discount_bps(provider) == 300

    # 15% less the plan's 3 points: 12% of the 10 000 earned
    assert _released_commission(provider) == 1_200


def test_without_a_plan_the_category_rate_applies(provider):
    assert fees.provider_commission_discount_bps(provider) == 0
    assert _released_commission(provider) == 1_500
