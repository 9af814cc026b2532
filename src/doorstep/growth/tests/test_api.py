"""The growth API: an order's discounts (read and replaced), your points and
credit, your invitation — as the customer, the wrong user and nobody."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.growth import referrals, rewards
from doorstep.growth.models import Campaign, Coupon, Referral, RewardLot
from doorstep.orders.models import Order
from tests.factories import make_listing, make_order, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _money(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    settings.DOORSTEP_CURRENCY = "CNY"


@pytest.fixture
def listing():
    return make_listing(price=20_000, currency="CNY")


@pytest.fixture
def customer():
    return make_user(name="Cora Customer")


@pytest.fixture
def unpaid(listing, customer) -> Order:
    return make_order(listing=listing, customer=customer, state="awaiting_payment")


def _coupon(code="SPRING", *, amount=3_000, kind=Campaign.Kind.PROMOTION, **fields):
    campaign = Campaign.objects.create(name=code, kind=kind, currency="CNY")
    return Coupon.objects.create(
        code=code,
        campaign=campaign,
        kind=Coupon.Kind.FIXED,
        amount=amount,
        currency="CNY",
        **fields,
    )


def _grant(user, kind, amount, *, ref="gift"):
    return rewards.grant(
        user=user,
        kind=kind,
        source=RewardLot.Source.GOODWILL,
        source_ref=ref,
        amount=amount,
        currency="CNY",
        now=timezone.now(),
    )


def _url(order_id: str) -> str:
    return f"{API}/orders/{order_id}/discounts"


def _put(client, order_id, body, user):
    return client.put(
        _url(order_id), json.dumps(body), content_type=JSON, **bearer(user)
    )


def _money_of(amount):
    return {"amount": amount, "currency": "CNY"}


# --- Discounts ------------------------------------------------------------------------


def test_put_applies_a_code_credit_and_points_and_get_reads_them(
    client, unpaid, customer
):
    _coupon()
    _grant(customer, RewardLot.Kind.CREDIT, 1_500)
    _grant(customer, RewardLot.Kind.POINTS, 800, ref="points")

    response = _put(
        client,
        unpaid.public_id,
        {"code": " spring ", "use_credit": True, "points": 500},
        customer,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == "SPRING"
    assert body["code_discount"] == _money_of(3_000)
    assert body["code_funded_by"] == "platform"
    assert body["credit"] == _money_of(1_500)
    assert (body["points"], body["points_available"]) == (500, 300)
    assert body["total_discount"] == _money_of(5_000)
    assert body["order_total"] == _money_of(16_000)
    assert body["credit_available"] == _money_of(0)
    unpaid.refresh_from_db()
    assert unpaid.total_amount == 16_000
    read = client.get(_url(unpaid.public_id), **bearer(customer)).json()
    assert read == body


def test_put_is_a_replacement_so_repeating_it_changes_nothing_more(
    client, unpaid, customer
):
    _coupon()
    _grant(customer, RewardLot.Kind.POINTS, 800)
    body = {"code": "SPRING", "points": 300}

    first = _put(client, unpaid.public_id, body, customer).json()
    second = _put(client, unpaid.public_id, body, customer).json()
    cleared = _put(client, unpaid.public_id, {}, customer).json()

    assert first == second
    assert Coupon.objects.get().uses == 0  # given back by the clearing PUT
    assert cleared["total_discount"] == _money_of(0)
    assert cleared["points_available"] == 800
    assert cleared["order_total"] == _money_of(21_000)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"code": "NOPE"}, 422, "promo_code_not_found", "code"),
        ({"points": 900}, 422, "not_enough_points", "points"),
    ],
)
def test_a_refusal_is_a_problem_on_its_field_and_changes_nothing(
    client, unpaid, customer, body, status, code, field
):
    _grant(customer, RewardLot.Kind.POINTS, 300)

    response = _put(client, unpaid.public_id, body, customer)

    problem = assert_problem(response, status, code)
    assert problem["errors"][field]
    unpaid.refresh_from_db()
    assert unpaid.discount_amount == 0


def test_a_code_that_does_not_apply_says_why(client, unpaid, customer):
    _coupon(min_spend_amount=50_000)

    response = _put(client, unpaid.public_id, {"code": "SPRING"}, customer)

    problem = assert_problem(response, 422, "promo_code_not_applicable")
    assert "at least" in problem["errors"]["code"][0]


def test_a_used_up_code_is_a_conflict(client, unpaid, customer):
    coupon = _coupon(max_uses=1)
    Coupon.objects.filter(pk=coupon.pk).update(uses=1)

    response = _put(client, unpaid.public_id, {"code": "SPRING"}, customer)

    assert_problem(response, 409, "promo_code_used_up")


def test_a_paid_order_is_not_payable(client, listing, customer):
    order = make_order(listing=listing, customer=customer, state="accepted")
    _coupon()

    response = _put(client, order.public_id, {"code": "SPRING"}, customer)

    assert_problem(response, 409, "order_not_payable")


@pytest.mark.parametrize(
    "body",
    [
        {"points": -1},
        {"points": "10"},
        {"use_credit": "yes"},
        {"code": "X" * 33},
        {"coupon": "SPRING"},
    ],
)
def test_bad_input_is_a_400(client, unpaid, customer, body):
    response = _put(client, unpaid.public_id, body, customer)

    assert_problem(response, 400)


def test_the_discounts_are_the_customers_alone(client, unpaid, listing):
    _coupon()
    stranger = make_user()
    provider = listing.provider.user

    for user in (stranger, provider):
        assert_problem(
            client.get(_url(unpaid.public_id), **bearer(user)),
            404,
            "order_not_found",
        )
        assert_problem(
            _put(client, unpaid.public_id, {"code": "SPRING"}, user),
            404,
            "order_not_found",
        )
    assert_problem(
        client.get(_url("ord_missing"), **bearer(stranger)), 404, "order_not_found"
    )
    unpaid.refresh_from_db()
    assert unpaid.discount_amount == 0


def test_nobody_signed_in_gets_401_everywhere(client, unpaid):
    assert_problem(client.get(_url(unpaid.public_id)), 401)
    assert_problem(client.put(_url(unpaid.public_id), "{}", content_type=JSON), 401)
    assert_problem(client.get(f"{API}/me/rewards"), 401)
    assert_problem(client.get(f"{API}/me/referral"), 401)


# --- Points and credit ----------------------------------------------------------------


def test_rewards_lists_balances_lots_with_expiry_and_history(client, unpaid, customer):
    credit = _grant(customer, RewardLot.Kind.CREDIT, 2_000)
    _grant(customer, RewardLot.Kind.POINTS, 700, ref="points")
    _put(client, unpaid.public_id, {"points": 200}, customer)

    body = client.get(f"{API}/me/rewards", **bearer(customer)).json()

    assert body["balances"] == [
        {
            "currency": "CNY",
            "credit": _money_of(2_000),
            "points": 500,
            "points_value": _money_of(500),
        }
    ]
    lots = {lot["kind"]: lot for lot in body["lots"]}
    assert lots["credit"]["id"] == credit.public_id
    assert lots["points"]["remaining"] == 500
    assert lots["credit"]["expires_at"] is not None
    spent = body["history"][0]
    assert (spent["kind"], spent["change"], spent["order_id"]) == (
        "spent",
        -200,
        unpaid.public_id,
    )
    assert {move["kind"] for move in body["history"]} == {"earned", "spent"}


def test_rewards_are_ones_own(client, customer):
    _grant(customer, RewardLot.Kind.CREDIT, 2_000)

    body = client.get(f"{API}/me/rewards", **bearer(make_user())).json()

    assert body == {"balances": [], "lots": [], "history": []}


# --- Invitation -----------------------------------------------------------------------


def test_referral_gives_the_code_link_offer_and_friends_by_first_name(client, customer):
    programme = _coupon("WELCOME", kind=Campaign.Kind.REFERRAL)
    Campaign.objects.filter(pk=programme.campaign_id).update(reward_amount=2_000)
    code = referrals.code_for(customer)
    friend = make_user(name="Fay Wong-Lee", email="fay@example.com")
    referrals.attach(invitee=friend, code=code.code)
    Referral.objects.create(
        code=code,
        inviter=customer,
        invitee=make_user(name="Rob Roe"),
        status=Referral.Status.REWARDED,
        reward_amount=2_000,
        currency="CNY",
        created_at=timezone.now() - timedelta(days=40),
    )

    response = client.get(f"{API}/me/referral", **bearer(customer))

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code.code
    assert body["share_url"] == f"http://testserver/r/{code.code}/"
    assert "Cora invited you" in body["share_text"]
    assert body["welcome_offer"]["kind"] == "fixed"
    assert body["welcome_offer"]["amount"] == _money_of(3_000)
    assert body["reward"] == _money_of(2_000)
    assert body["earned"] == [_money_of(2_000)]
    assert [
        (friend["first_name"], friend["status"], friend["reward"])
        for friend in body["invited"]
    ] == [("Fay", "joined", None), ("Rob", "rewarded", _money_of(2_000))]
    text = response.content.decode()
    assert "Wong-Lee" not in text
    assert "fay@example.com" not in text
    assert friend.public_id not in text


def test_referral_makes_the_code_once(client, customer):
    first = client.get(f"{API}/me/referral", **bearer(customer)).json()
    again = client.get(f"{API}/me/referral", **bearer(customer)).json()

    assert first["code"] == again["code"]
    assert first["invited"] == []
    assert first["welcome_offer"] is None
