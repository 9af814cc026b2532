"""Taking back a cancellation through the API, as the plan page's button does."""

import pytest

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.subscriptions import services
from tests.factories import make_provider

pytestmark = pytest.mark.django_db
RESUME = API + "/me/subscription/resume"


def test_a_cancelled_plan_renews_again(client, provider, card, basic):
    services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    services.cancel_subscription(user=provider.user, at_once=False)

    response = client.post(RESUME, **bearer(provider.user))

    assert response.status_code == 200, response.content
    assert response.json()["cancel_at_period_end"] is False
    assert client.post(RESUME, **bearer(provider.user)).status_code == 200


def test_no_plan_or_a_read_only_token_changes_nothing(client, provider, card, basic):
    services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    subscription = services.cancel_subscription(user=provider.user, at_once=False)

    assert_problem(
        client.post(RESUME, **bearer(make_provider().user)),
        404,
        "subscription_not_found",
    )
    assert_problem(
        client.post(RESUME, **bearer(provider.user, scopes=["read"])),
        403,
        "insufficient_scope",
    )
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is True
