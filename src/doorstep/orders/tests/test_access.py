"""One access check for an order (``orders.queries.access_order``), used by every
app that fetches an order for a party: the wrong user — a stranger, the other
party where only one side may act, and staff who are not a party (ops act on
other people's orders only from the back office) — gets 404 from every order
endpoint and changes nothing."""

import pytest
from django.urls import reverse

from doorstep.api.testing import API, JSON, bearer, ops_bearer
from doorstep.events.models import Event
from doorstep.messaging.models import Conversation
from doorstep.orders.models import OrderEvent, RescheduleRequest
from doorstep.payments.models import ExtraCharge, Payment
from doorstep.reviews.models import Review
from tests.factories import make_completed_order, make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db
CARD = {"card": "4242 4242 4242 4242"}


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False


@pytest.fixture
def order():
    return make_completed_order()


def _counts():
    return (
        OrderEvent.objects.count(),
        Event.objects.count(),
        Payment.objects.count(),
        ExtraCharge.objects.count(),
        RescheduleRequest.objects.count(),
        Review.objects.count(),
        Conversation.objects.count(),
    )


def _api_calls(order) -> list[tuple[str, str, dict | None]]:
    """Every API endpoint that takes an order id, as (method, path, body)."""
    o = f"/orders/{order.public_id}"
    return [
        ("get", o, None),
        ("post", f"{o}/transitions/cancel", {}),
        ("post", f"{o}/reschedule", {"starts_at": "2030-01-01T10:00:00+08:00"}),
        ("post", f"{o}/reschedule/rsq_nope/answer", {"accept": True}),
        ("post", f"{o}/payment", CARD),
        ("post", f"{o}/tips", {"amount": 500, **CARD}),
        ("post", f"{o}/extra-charges", {"amount": 500, "description": "Pipe"}),
        ("post", f"{o}/extra-charges/xc_nope/approve", CARD),
        ("post", f"{o}/reviews", {"stars": 5}),
    ]


def _web_pages(order) -> list[str]:
    return [
        reverse("orders:detail", args=[order.public_id]),
        reverse("orders:live", args=[order.public_id]),
        reverse("payments:receipt", args=[order.public_id]),
        reverse("reviews:order", args=[order.public_id]),
        reverse("messaging:order_conversation", args=[order.public_id]),
    ]


@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_the_wrong_user_gets_404_from_every_order_endpoint(client, order, who):
    # Given someone who is not a party: a stranger, or ops with a second factor
    headers = bearer(make_user()) if who == "stranger" else ops_bearer(make_ops())
    before = _counts()

    for method, path, body in _api_calls(order):
        # When they call each endpoint of the order
        if method == "get":
            response = client.get(API + path, **headers)
        else:
            response = client.post(
                API + path,
                body,
                content_type=JSON,
                HTTP_IDEMPOTENCY_KEY=path,
                **headers,
            )
        # Then the order does not exist for them
        assert response.status_code == 404, (path, response.content)
        assert response.json()["code"] == "order_not_found", path

    assert _counts() == before


@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_the_wrong_user_gets_404_from_every_order_page(client, order, who):
    if who == "stranger":
        client.force_login(make_user())
    else:
        # Staff outside the back office: a session without the second factor
        sign_in_ops(client, make_ops(), second_factor=False)
    before = _counts()

    for url in _web_pages(order):
        assert client.get(url).status_code == 404, url

    assert _counts() == before


def test_only_the_customer_pays_and_only_the_provider_asks_for_extras(client, order):
    before = _counts()
    o = f"/orders/{order.public_id}"

    as_provider = client.post(
        f"{API}{o}/payment", CARD, content_type=JSON, **bearer(order.provider.user)
    )
    as_customer = client.post(
        f"{API}{o}/extra-charges",
        {"amount": 500, "description": "Pipe"},
        content_type=JSON,
        **bearer(order.customer),
    )

    assert as_provider.status_code == as_customer.status_code == 404
    assert _counts() == before
