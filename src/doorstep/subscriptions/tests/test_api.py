"""The plans API: plans are public; a provider's subscription is only ever
their own (``/me``); bad input changes nothing."""

import pytest

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.subscriptions.models import Subscription, SubscriptionCharge
from doorstep.subscriptions.tests.conftest import CARD_DECLINED, save_card
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _post(client, payload, user):
    return client.post(
        API + "/me/subscription", payload, content_type=JSON, **bearer(user)
    )


def test_plans_are_listed_without_signing_in(client, basic, pro):
    pro.status = "archived"
    pro.save()

    response = client.get(API + "/plans")

    assert response.status_code == 200
    [plan] = response.json()
    assert plan["id"] == basic.public_id
    assert plan["badge"] == "Plus"
    assert {"interval": "month", "price": {"amount": 3000, "currency": "CNY"}} in plan[
        "prices"
    ]


def test_subscribe_change_and_cancel(client, provider, card, basic, pro):
    created = _post(
        client,
        {"plan": basic.public_id, "interval": "month", "currency": "CNY"},
        provider.user,
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "active"
    assert created.json()["payment_method"] == card.public_id
    assert created.json()["charges"][0]["status"] == "succeeded"

    changed = _post(client, {"plan": pro.public_id}, provider.user)
    assert changed.status_code == 200, changed.content
    assert changed.json()["plan"]["id"] == pro.public_id

    read = client.get(API + "/me/subscription", **bearer(provider.user))
    assert read.json()["plan"]["id"] == pro.public_id

    cancelled = client.delete(API + "/me/subscription", **bearer(provider.user))
    assert cancelled.status_code == 200
    assert cancelled.json()["cancel_at_period_end"] is True
    assert cancelled.json()["status"] == "active"


def test_a_declined_card_is_a_problem_and_leaves_no_plan(client, provider, basic):
    save_card(provider.user, CARD_DECLINED)

    response = _post(
        client,
        {"plan": basic.public_id, "interval": "month", "currency": "CNY"},
        provider.user,
    )

    assert_problem(response, 422, "card_declined")
    assert not Subscription.objects.filter(status="active").exists()


def test_bad_input_is_refused_and_changes_nothing(client, provider, card, basic):
    before = (Subscription.objects.count(), SubscriptionCharge.objects.count())

    assert_problem(
        _post(client, {"plan": basic.public_id, "interval": "week"}, provider.user),
        400,
    )
    assert_problem(
        _post(client, {"plan": basic.public_id, "currency": "XYZ"}, provider.user),
        422,
        "currency_not_taken",
    )
    assert_problem(
        _post(client, {"plan": "plan_nope", "currency": "CNY"}, provider.user),
        404,
        "plan_not_found",
    )
    assert_problem(
        _post(client, {"plan": basic.public_id, "currency": "USD"}, provider.user),
        409,
        "plan_not_available",
    )
    assert (Subscription.objects.count(), SubscriptionCharge.objects.count()) == before


def test_nobody_else_reaches_a_subscription(client, provider, card, basic):
    _post(
        client,
        {"plan": basic.public_id, "interval": "month", "currency": "CNY"},
        provider.user,
    )
    other_provider = make_provider()
    customer = make_user()

    assert_problem(
        client.get(API + "/me/subscription", **bearer(other_provider.user)),
        404,
        "subscription_not_found",
    )
    assert_problem(
        client.delete(API + "/me/subscription", **bearer(other_provider.user)), 404
    )
    assert_problem(
        client.get(API + "/me/subscription", **bearer(customer)), 404, "not_a_provider"
    )
    # someone else's saved card cannot pay for your plan
    save_card(other_provider.user)
    assert_problem(
        _post(
            client,
            {
                "plan": basic.public_id,
                "currency": "CNY",
                "payment_method": provider.user.payment_methods.get().public_id,
            },
            other_provider.user,
        ),
        404,
        "payment_method_not_found",
    )
    assert client.get(API + "/me/subscription").status_code == 401
    assert Subscription.objects.get().status == "active"
    assert not Subscription.objects.filter(provider=other_provider).exists()
