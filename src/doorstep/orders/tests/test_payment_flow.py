"""Unpaid means not booked: an order is offered to the provider only once the
gateway holds its money, paid for in two steps (an intent the server opens, a
card typed on the gateway's own page), and an unpaid order lets its time go.

Each test here was written against the defect it names and failed before the
fix: unpaid API orders were accepted, started, completed and reviewed; unpaid
instant bookings held slots forever and unmasked contact details; the API and
the booking form took card numbers; a declined card left a cancelled order in
My orders and told the provider."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.api.testing import API, JSON, bearer
from doorstep.core.errors import Conflict
from doorstep.events.models import Event
from doorstep.messaging.queries import contact_allowed
from doorstep.messaging.services import open_order_conversation
from doorstep.notifications.consumers import _plan_order_event
from doorstep.orders.engine import apply_transition, fire_due_timers
from doorstep.orders.models import Order, OrderEvent, OrderTimer
from doorstep.orders.services import (
    confirm_order_payment,
    place_order,
    start_order_payment,
    sync_order_payment,
)
from doorstep.orders.tests.conftest import at, booking
from doorstep.payments.flows import PaymentError, order_payment
from doorstep.payments.gateways import sandbox
from doorstep.payments.gateways.sandbox import SandboxGateway, pay_with_sandbox_card
from doorstep.payments.models import Payment, SandboxCharge, SandboxWebhook
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CARD_OK = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"
CARD_CHALLENGE = "4000 0027 6000 3184"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_CAPTURE_AT = "acceptance"
    settings.DOORSTEP_PAYMENT_WINDOW_MINUTES = 15
    sandbox.clear_injected_failures()


def _post(client, path, body=None, headers=None):
    return client.post(
        f"{API}{path}",
        data=json.dumps(body) if body is not None else "",
        content_type=JSON,
        **(headers or {}),
    )


def _body(listing, **overrides):
    return {
        "listing_id": listing.public_id,
        "starts_at": at("10:00").isoformat(),
        "address": "88 Huaihai Road",
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        **overrides,
    }


def _told(user, order) -> list[str]:
    """What the notifications would tell ``user`` about ``order``, from every
    event recorded for it."""
    events = Event.objects.filter(subject=order.public_id).order_by("pk")
    return [
        planned.wording
        for event in events
        for planned in _plan_order_event(event)
        if planned.recipient == user
    ]


def _instant(listing):
    listing.instant_book = True
    listing.save(update_fields=["instant_book"])
    return listing


def _counts():
    return (
        Order.objects.count(),
        Payment.objects.count(),
        OrderEvent.objects.count(),
        SandboxCharge.objects.count(),
    )


# --- Unpaid orders act as paid ones (the defects) -----------------------------------


def test_an_unpaid_api_order_cannot_be_accepted_started_or_completed(
    client, listing, customer
):
    # given an order booked through the API and never paid
    created = _post(client, "/orders", _body(listing), bearer(customer))
    assert created.status_code == 201, created.content
    order_id = created.json()["id"]
    provider = bearer(listing.provider.user)

    # when the provider tries to accept it
    response = _post(client, f"/orders/{order_id}/transitions/accept", {}, provider)

    # then it is not theirs to see yet, and nothing moved
    assert response.status_code == 404, response.content
    order = Order.objects.get(public_id=order_id)
    assert order.state == "awaiting_payment"
    assert created.json()["state"] == "awaiting_payment"
    assert not order.process.transition("accept").sources & {order.state}
    # (``book_redo`` is the system's, for a free warranty redo only: see below;
    # ``book_pay_later*`` the booking's, for an order paid later only: see
    # ``test_pay_later``.)
    assert {t.name for t in order.process.transitions_from("awaiting_payment")} == {
        "pay",
        "pay_instant",
        "expire_payment",
        "book_redo",
        "book_pay_later",
        "book_pay_later_instant",
    }
    for name in ("book_redo", "book_pay_later", "book_pay_later_instant"):
        assert order.process.transition(name).actors == {"system"}


def test_an_unpaid_order_cannot_skip_payment_as_a_redo_even_at_zero_price(
    listing, customer
):
    # given an unpaid order that is not a redo, even one priced at nothing
    order = place_order(**booking(listing, customer))
    Order.objects.filter(pk=order.pk).update(
        subtotal_amount=0, service_fee_amount=0, discount_amount=0, total_amount=0
    )

    # when the system tries to book it as a free redo
    with pytest.raises(Conflict) as refused:
        apply_transition(order_id=order.pk, name="book_redo", user=None, system=True)

    # then it still waits for its payment
    assert refused.value.code == "payment_required"
    order.refresh_from_db()
    assert order.state == "awaiting_payment"


def test_only_a_paid_order_reaches_the_provider(client, listing, customer):
    # given an order paid for on the sandbox's hosted page
    order = place_order(**booking(listing, customer))
    assert _told(listing.provider.user, order) == []

    order = pay_with_sandbox_card(order, CARD_OK)

    # then it is a request the provider hears of, with the money held
    assert order.state == "requested"
    assert order_payment(order).status == "authorised"
    assert _told(listing.provider.user, order) == ["booking_requested"]
    assert order.respond_by is not None


def test_an_unpaid_instant_booking_lets_its_slot_go(listing, customer):
    # given an unpaid instant booking holding the provider's time
    order = place_order(**booking(_instant(listing), customer))
    assert order.state == "awaiting_payment"
    assert TimeClaim.objects.filter(order=order, released_at__isnull=True).exists()

    # when the payment window has passed
    OrderTimer.objects.filter(order=order, name="expire_payment").update(
        due_at=timezone.now() - timedelta(seconds=1)
    )
    assert fire_due_timers() == 1

    # then the order has lapsed and the same time can be booked by someone else
    order.refresh_from_db()
    assert order.state == "payment_expired"
    assert not TimeClaim.objects.filter(order=order, released_at__isnull=True).exists()
    other = place_order(**booking(listing, make_user()))
    assert other.state == "awaiting_payment"
    assert _told(listing.provider.user, order) == []


def test_the_payment_window_is_a_setting(settings, listing, customer):
    settings.DOORSTEP_PAYMENT_WINDOW_MINUTES = 5

    order = place_order(**booking(listing, customer))

    timer = OrderTimer.objects.get(order=order, name="expire_payment")
    assert timer.due_at == order.state_changed_at + timedelta(minutes=5)


def test_an_unpaid_instant_booking_keeps_contact_details_masked(listing, customer):
    # given an instant booking not paid for
    order = place_order(**booking(_instant(listing), customer))

    # when the customer opens its conversation
    conversation = open_order_conversation(user=customer, order_id=order.public_id)

    # then contact details stay masked until it is paid for
    assert not contact_allowed(conversation)
    order = pay_with_sandbox_card(order, CARD_OK)
    assert order.state == "accepted"
    conversation.refresh_from_db()
    assert contact_allowed(conversation)
    assert _told(listing.provider.user, order) == ["booking_instant"]
    assert _told(customer, order) == ["booking_confirmed"]


# --- Card data never touches our server ---------------------------------------------


def test_the_api_takes_no_card_numbers(client, listing, customer):
    # given an order waiting for payment
    order = place_order(**booking(listing, customer))
    before = _counts()

    # when a client sends a card number to the payment endpoint
    response = _post(
        client,
        f"/orders/{order.public_id}/payment",
        {"card": CARD_OK},
        bearer(customer),
    )

    # then it is not a way to pay: nothing is authorised, the intent is returned
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "requires_payment_method"
    assert body["client_secret"]
    assert body["next_action_url"].startswith("http://testserver/sandbox/pay/")
    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    assert order_payment(order).status == "pending"
    assert _counts()[0] == before[0]
    # and no operation of the API has a card field to send one in
    schema = client.get(f"{API}/openapi.json").json()
    properties = {
        name
        for component in schema["components"]["schemas"].values()
        for name in component.get("properties", {})
    }
    assert "card" not in properties


def test_the_booking_form_has_no_card_field_and_sends_the_customer_to_the_gateway(
    client, listing, customer
):
    client.force_login(customer)
    page = client.get(reverse("orders:book", args=[listing.public_id]))
    assert b'name="card"' not in page.content

    response = client.post(
        reverse("orders:book", args=[listing.public_id]),
        {
            "starts_at": at("10:00").isoformat(),
            "address": "88 Huaihai Road",
            "latitude": listing.latitude,
            "longitude": listing.longitude,
            "idempotency_key": "web-1",
            "card": CARD_OK,
        },
    )

    order = Order.objects.get(customer=customer)
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:pay", args=[order.public_id])
    gateway_page = client.get(response["Location"])
    assert gateway_page.status_code == 302
    assert gateway_page["Location"].startswith("/sandbox/pay/")
    assert order.state == "awaiting_payment"
    assert order_payment(order).status == "pending"


def test_the_api_returns_the_payment_to_confirm_with_a_new_order(
    client, listing, customer
):
    response = _post(client, "/orders", _body(listing), bearer(customer))

    body = response.json()
    assert body["state"] == "awaiting_payment"
    assert body["payment"]["status"] == "requires_payment_method"
    assert body["payment"]["amount"] == {"amount": 10_500, "currency": "CNY"}
    assert body["payment"]["client_secret"]
    assert body["payment"]["pay_by"]


# --- The hosted page, the return URL and the webhook --------------------------------


def _hosted_page(order, customer) -> str:
    return start_order_payment(order=order, user=customer).next_action_url


def test_paying_on_the_hosted_page_then_returning_books_the_order(
    client, listing, customer
):
    # given the customer on the sandbox's hosted page
    order = place_order(**booking(listing, customer))
    page = _hosted_page(order, customer)
    assert client.get(page).status_code == 200

    # when they pay with a good card
    response = client.post(page, {"card": CARD_OK})

    # then the page sends them back to the shop, which asks the gateway
    return_path = reverse("orders:payment_return", args=[order.public_id])
    assert response.status_code == 302
    assert response["Location"].endswith(return_path)
    client.force_login(customer)
    landed = client.get(return_path + "?redirect_status=failed")
    assert landed.status_code == 302
    order.refresh_from_db()
    assert order.state == "requested"
    assert order_payment(order).card_last4 == "4242"


def test_the_return_url_trusts_the_gateway_not_the_query_string(
    client, listing, customer
):
    order = place_order(**booking(listing, customer))
    start_order_payment(order=order, user=customer)
    client.force_login(customer)

    client.get(
        reverse("orders:payment_return", args=[order.public_id])
        + "?redirect_status=succeeded&payment_intent=pi_forged"
    )

    order.refresh_from_db()
    assert order.state == "awaiting_payment"


def test_webhooks_and_return_url_in_any_order_and_repeated_book_once(listing, customer):
    # given an intent confirmed on the hosted page
    order = place_order(**booking(listing, customer))
    intent = start_order_payment(order=order, user=customer)
    SandboxGateway().confirm_intent(intent_id=intent.intent_id, card=CARD_OK)
    assert SandboxWebhook.objects.filter(
        event_type="payment_intent.amount_capturable_updated"
    ).exists()

    # when the webhook arrives twice, before and after the return URL twice
    webhook = SandboxWebhook.objects.get(
        event_type="payment_intent.amount_capturable_updated"
    )
    assert sandbox.deliver_webhook(webhook.event_id) == 200
    sync_order_payment(order=order, user=customer)
    sync_order_payment(order=order, user=customer)
    assert sandbox.deliver_webhook(webhook.event_id) == 200
    confirm_order_payment(order_id=order.pk)

    # then the order was offered once
    order.refresh_from_db()
    assert order.state == "requested"
    assert order.events.filter(transition="pay").count() == 1
    assert _told(listing.provider.user, order) == ["booking_requested"]


def test_the_challenge_card_asks_then_books(client, listing, customer):
    order = place_order(**booking(listing, customer))
    page = _hosted_page(order, customer)

    asked = client.post(page, {"card": CARD_CHALLENGE})
    assert asked.status_code == 302
    assert "/challenge/" in asked["Location"]
    challenge_page = client.get(asked["Location"])
    assert b"Complete authentication" in challenge_page.content
    order.refresh_from_db()
    assert order.state == "awaiting_payment"

    done = client.post(asked["Location"], {"answer": "approve"})
    assert done.status_code == 302
    client.force_login(customer)
    client.get(done["Location"])
    order.refresh_from_db()
    assert order.state == "requested"


def test_a_failed_challenge_leaves_the_order_waiting(listing, customer):
    order = place_order(**booking(listing, customer))

    with pytest.raises(PaymentError):
        pay_with_sandbox_card(order, CARD_CHALLENGE, challenge="fail")

    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    assert order_payment(order).failure_code == "authentication_failed"


# --- A declined card ----------------------------------------------------------------


def test_a_declined_card_tells_nobody_and_is_not_a_booking(client, listing, customer):
    # given a booking whose card is declined on the hosted page
    order = place_order(**booking(listing, customer))
    with pytest.raises(PaymentError):
        pay_with_sandbox_card(order, CARD_DECLINED)
    sandbox.deliver_pending()

    # then the order waits for another card, the provider heard nothing
    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    assert _told(listing.provider.user, order) == []
    # and My orders does not list it as a booking, only as a payment to finish
    client.force_login(customer)
    page = client.get(reverse("orders:mine")).content.decode()
    assert "Payment not completed" in page
    assert reverse("orders:pay", args=[order.public_id]) in page
    assert f'href="{reverse("orders:detail", args=[order.public_id])}"' not in page

    # when another card goes through
    order = pay_with_sandbox_card(order, CARD_OK)

    # then it is a request, and the provider hears of it once
    assert order.state == "requested"
    assert _told(listing.provider.user, order) == ["booking_requested"]


def test_a_lapsed_order_is_not_listed_and_cannot_be_paid(client, listing, customer):
    order = place_order(**booking(listing, customer))
    OrderTimer.objects.filter(order=order).update(due_at=timezone.now())
    fire_due_timers()

    client.force_login(customer)
    page = client.get(reverse("orders:mine")).content.decode()
    response = _post(
        client, f"/orders/{order.public_id}/payment", None, bearer(customer)
    )

    assert order.public_id not in page
    assert response.status_code == 409
    assert response.json()["code"] == "payment_window_closed"


def test_a_payment_made_after_the_window_is_released(
    listing, customer, django_capture_on_commit_callbacks
):
    # given an intent opened, then the window closed before the card was typed
    order = place_order(**booking(listing, customer))
    intent = start_order_payment(order=order, user=customer)
    OrderTimer.objects.filter(order=order).update(due_at=timezone.now())
    fire_due_timers()

    # when the customer pays on the still-open gateway page
    SandboxGateway().confirm_intent(intent_id=intent.intent_id, card=CARD_OK)
    with django_capture_on_commit_callbacks(execute=True):
        sync_order_payment(order=order, user=customer)

    # then the order stays lapsed and the hold is released
    order.refresh_from_db()
    assert order.state == "payment_expired"
    assert order_payment(order).status == "voided"
    assert SandboxCharge.objects.get(charge_id=intent.intent_id).status == "voided"


# --- Nobody pays for or sees what is not theirs -------------------------------------


def test_another_user_cannot_open_or_return_to_someones_payment(
    client, listing, customer
):
    order = place_order(**booking(listing, customer))
    intent = start_order_payment(order=order, user=customer)
    stranger = make_user()
    provider_user = listing.provider.user
    before = _counts()

    for user in (stranger, provider_user):
        response = _post(
            client, f"/orders/{order.public_id}/payment", None, bearer(user)
        )
        assert response.status_code == 404, response.content
        client.force_login(user)
        assert (
            client.get(reverse("orders:pay", args=[order.public_id])).status_code == 404
        )
        assert (
            client.get(
                reverse("orders:payment_return", args=[order.public_id])
            ).status_code
            == 404
        )

    page = reverse("sandbox:pay", args=[intent.intent_id])
    assert client.get(page).status_code == 404
    assert client.get(page + "?secret=wrong").status_code == 404
    assert client.post(page + "?secret=wrong", {"card": CARD_OK}).status_code == 404
    assert _counts() == before
    order.refresh_from_db()
    assert order.state == "awaiting_payment"


def test_the_providers_calendar_feed_leaves_out_unpaid_orders(listing, customer):
    from doorstep.scheduling.queries import calendar_orders

    unpaid = place_order(**booking(listing, customer))
    paid = pay_with_sandbox_card(
        place_order(**booking(listing, customer, starts_at=at("14:00"))), CARD_OK
    )

    feed = list(calendar_orders(listing.provider, now=timezone.now()))

    assert paid in feed
    assert unpaid not in feed
