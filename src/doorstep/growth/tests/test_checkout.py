"""Codes, credit and points at checkout: what they take off, where the money
comes from, and every way a code is refused without changing anything."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.growth import checkout, rewards
from doorstep.growth.models import Campaign, Coupon, Redemption, RewardLot
from doorstep.marketplace.models import City
from doorstep.orders.models import Order
from doorstep.payments import flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import LedgerAccount
from tests.factories import make_category, make_listing, make_order, make_user

pytestmark = pytest.mark.django_db

CARD = "4242 4242 4242 4242"


@pytest.fixture(autouse=True)
def _money(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500


@pytest.fixture
def listing():
    category = make_category("deep-cleaning")
    category.commission_bps = 1_000
    category.save(update_fields=["commission_bps"])
    return make_listing(category=category, price=20_000, currency="CNY")


_days = iter(range(2, 400, 3))


def _unpaid(listing, customer=None) -> Order:
    return make_order(
        listing=listing,
        customer=customer,
        state="awaiting_payment",
        starts_in=timedelta(days=next(_days)),
    )


def _campaign(**fields) -> Campaign:
    fields.setdefault("name", "Spring")
    fields.setdefault("kind", Campaign.Kind.PROMOTION)
    fields.setdefault("currency", "CNY")
    return Campaign.objects.create(**fields)


def _coupon(code="SPRING", campaign=None, **fields) -> Coupon:
    fields.setdefault("kind", Coupon.Kind.FIXED)
    fields.setdefault("amount", 3_000)
    fields.setdefault("currency", "CNY")
    fields.setdefault("max_uses", None)
    return Coupon.objects.create(code=code, campaign=campaign or _campaign(), **fields)


def _balance(kind, **party) -> int:
    account = LedgerAccount.objects.filter(kind=kind, **party).first()
    return account.balance if account else 0


def test_a_percentage_code_is_capped_and_the_platform_funds_it_into_escrow(listing):
    _coupon(kind=Coupon.Kind.PERCENT, amount=0, percent_bps=2_000, cap_amount=3_000)
    order = _unpaid(listing)

    perks = checkout.apply(order=order, user=order.customer, code=" spr ing ")

    order.refresh_from_db()
    assert perks.code == "SPRING"
    assert perks.code_amount == 3_000
    assert (order.discount_amount, order.total_amount) == (3_000, 18_000)
    payment = flows.authorise_order(order=order, payment_method=CARD)
    assert (payment.base_amount, payment.discount_amount, payment.amount) == (
        20_000,
        3_000,
        18_000,
    )
    flows.capture_order(order=order)
    assert _balance(K.ORDER_ESCROW, order=order) == 21_000
    assert _balance(K.PROMOTIONS_EXPENSE) == 3_000
    Order.objects.filter(pk=order.pk).update(state="completed")
    flows.release_order(order=order)
    # The provider is paid on the full price, less the commission.
    assert _balance(K.PROVIDER_PENDING, provider=listing.provider) == 18_000


def test_a_providers_own_code_lowers_their_earnings_not_the_platforms(listing):
    campaign = _campaign(
        funded_by=Campaign.FundedBy.PROVIDER, provider=listing.provider
    )
    _coupon("MEI10", campaign=campaign, amount=2_000)
    order = _unpaid(listing)

    checkout.apply(order=order, user=order.customer, code="MEI10")

    payment = flows.authorise_order(order=order, payment_method=CARD)
    assert (payment.base_amount, payment.discount_amount, payment.amount) == (
        18_000,
        0,
        19_000,
    )
    flows.capture_order(order=order)
    assert _balance(K.PROMOTIONS_EXPENSE) == 0
    Order.objects.filter(pk=order.pk).update(state="completed")
    flows.release_order(order=order)
    assert _balance(K.PROVIDER_PENDING, provider=listing.provider) == 16_200
    assert _balance(K.COMMISSION_REVENUE) == 1_800


def test_another_providers_code_does_not_apply(listing):
    other = make_listing(price=20_000)
    campaign = _campaign(funded_by=Campaign.FundedBy.PROVIDER, provider=other.provider)
    _coupon("OTHER", campaign=campaign)
    order = _unpaid(listing)

    with pytest.raises(DomainError) as refused:
        checkout.apply(order=order, user=order.customer, code="OTHER")

    assert refused.value.code == "promo_code_not_applicable"


@pytest.mark.parametrize(
    ("rules", "why"),
    [
        ({"min_spend_amount": 50_000}, "at least"),
        ({"valid_until": timezone.now() - timedelta(days=1)}, "expired"),
        ({"valid_from": timezone.now() + timedelta(days=1)}, "yet"),
        ({"currency": "HKD"}, "currency"),
        ({"first_order_only": True}, "first order"),
    ],
)
def test_a_code_that_does_not_apply_says_why_and_changes_nothing(listing, rules, why):
    customer = make_user()
    if rules.get("first_order_only"):
        make_order(
            listing=make_listing(price=5_000),
            customer=customer,
            starts_in=timedelta(days=1),
        )
    _coupon(**rules)
    order = _unpaid(listing, customer)

    with pytest.raises(DomainError) as refused:
        checkout.apply(order=order, user=customer, code="SPRING")

    assert refused.value.code == "promo_code_not_applicable"
    assert why in refused.value.fields["code"][0]
    order.refresh_from_db()
    assert (order.discount_amount, order.total_amount) == (0, 21_000)
    assert not Redemption.objects.exists()
    assert Coupon.objects.get().uses == 0


def test_a_code_scoped_to_a_category_or_city_applies_only_there(listing):
    other_category = make_category("gardening")
    _coupon("GARDEN", category=other_category)
    city = City.objects.exclude(slug="").first() or City.objects.create(
        slug="far",
        name_en="Far",
        currency="CNY",
        time_zone="UTC",
        latitude=0,
        longitude=0,
    )
    _coupon("ELSEWHERE", city=city)
    _coupon("CLEAN", category=listing.category.parent or listing.category)
    order = _unpaid(listing)

    with pytest.raises(DomainError):
        checkout.apply(order=order, user=order.customer, code="GARDEN")
    if city.latitude == 0:
        with pytest.raises(DomainError):
            checkout.apply(order=order, user=order.customer, code="ELSEWHERE")
    assert checkout.apply(order=order, user=order.customer, code="CLEAN").code_amount


def test_a_paused_campaigns_codes_are_refused(listing):
    _coupon(campaign=_campaign(status=Campaign.Status.PAUSED))
    order = _unpaid(listing)

    with pytest.raises(DomainError) as refused:
        checkout.apply(order=order, user=order.customer, code="SPRING")

    assert "no longer offered" in refused.value.message


def test_an_unknown_code_is_a_field_error(listing):
    order = _unpaid(listing)

    with pytest.raises(DomainError) as refused:
        checkout.apply(order=order, user=order.customer, code="NOPE")

    assert refused.value.code == "promo_code_not_found"
    assert refused.value.fields["code"]


def test_one_use_per_person_and_the_budget_stops_the_campaign(listing):
    campaign = _campaign(budget_amount=5_000)
    _coupon(campaign=campaign, amount=3_000, per_user_limit=1)
    customer = make_user()
    first = _unpaid(listing, customer)
    checkout.apply(order=first, user=customer, code="SPRING")

    with pytest.raises(DomainError) as again:
        checkout.apply(order=_unpaid(listing, customer), user=customer, code="SPRING")
    assert "already used" in again.value.message
    someone = make_user()
    with pytest.raises(Conflict) as spent:
        checkout.apply(order=_unpaid(listing, someone), user=someone, code="SPRING")
    assert spent.value.code == "promo_code_used_up"
    campaign.refresh_from_db()
    assert campaign.spent_amount == 3_000
    assert campaign.status == Campaign.Status.SPENT
    # The first order falls through: the budget comes back and so does the code.
    checkout.release(first, now=timezone.now())
    campaign.refresh_from_db()
    assert (campaign.spent_amount, campaign.status) == (0, Campaign.Status.ACTIVE)


def test_changing_the_code_gives_the_first_back(listing):
    _coupon("ONE", max_uses=1)
    _coupon("TWO", amount=1_000)
    order = _unpaid(listing)

    checkout.apply(order=order, user=order.customer, code="ONE")
    perks = checkout.apply(order=order, user=order.customer, code="TWO")

    assert perks.code == "TWO"
    assert perks.code_amount == 1_000
    assert Coupon.objects.get(code="ONE").uses == 0
    assert Redemption.objects.filter(status="active").count() == 1
    order.refresh_from_db()
    assert order.total_amount == 20_000


def test_only_the_customer_and_only_before_paying(listing):
    _coupon()
    order = _unpaid(listing)

    with pytest.raises(NotFound):
        checkout.apply(order=order, user=make_user(), code="SPRING")
    flows.authorise_order(order=order, payment_method=CARD)
    Order.objects.filter(pk=order.pk).update(state="accepted")
    with pytest.raises(Conflict) as late:
        checkout.apply(order=order, user=order.customer, code="SPRING")
    assert late.value.code == "order_not_payable"


def test_points_and_credit_are_spent_oldest_first_and_come_back(listing):
    customer = make_user()
    now = timezone.now()
    for ref, amount, days in (("old", 400, 10), ("new", 900, 1)):
        rewards.grant(
            user=customer,
            kind=RewardLot.Kind.POINTS,
            source=RewardLot.Source.GOODWILL,
            source_ref=ref,
            amount=amount,
            currency="CNY",
            now=now - timedelta(days=days),
        )
    rewards.grant(
        user=customer,
        kind=RewardLot.Kind.CREDIT,
        source=RewardLot.Source.GOODWILL,
        source_ref="credit",
        amount=2_500,
        currency="CNY",
        now=now,
    )
    assert _balance(K.POINTS_LIABILITY) == 1_300
    order = _unpaid(listing, customer)

    perks = checkout.apply(order=order, user=customer, use_credit=True, points=600)

    assert (perks.credit_amount, perks.points_spent) == (2_500, 600)
    old, new = RewardLot.objects.filter(kind="points").order_by("earned_at")
    assert (old.remaining, new.remaining) == (0, 700)
    assert _balance(K.POINTS_LIABILITY) == 700
    assert _balance(K.CREDIT_LIABILITY) == 0
    with pytest.raises(DomainError) as short:
        checkout.apply(order=order, user=customer, points=5_000)
    assert short.value.code == "not_enough_points"

    checkout.release(order, now=now)
    checkout.release(order, now=now)

    assert _balance(K.POINTS_LIABILITY) == 1_300
    assert _balance(K.CREDIT_LIABILITY) == 2_500
    assert _balance(K.PROMOTIONS_EXPENSE) == 0


def test_expired_points_leave_the_books(listing):
    customer = make_user()
    past = timezone.now() - timedelta(days=400)
    rewards.grant(
        user=customer,
        kind=RewardLot.Kind.POINTS,
        source=RewardLot.Source.GOODWILL,
        source_ref="x",
        amount=500,
        currency="CNY",
        now=past,
    )

    assert rewards.expire_due() == 1
    assert rewards.expire_due() == 0

    lot = RewardLot.objects.get()
    assert (lot.remaining, lot.expired_at is not None) == (0, True)
    assert _balance(K.POINTS_LIABILITY) == 0
    assert checkout.balances(customer, "CNY", now=timezone.now())["points"] == 0
