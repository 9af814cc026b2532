"""Deliveries to a real local receiver: signed, retried by the periodic sweep on
a 500, never retried on a 410, endpoints turned off after days of failures,
secrets rotated with an overlap, and the outbox consumer idempotent."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from doorstep.events.models import Event
from doorstep.events.services import record_event
from doorstep.notifications.models import Notification
from doorstep.periodic.jobs import JOBS_BY_NAME
from doorstep.webhooks import services
from doorstep.webhooks.consumers import on_event
from doorstep.webhooks.models import Delivery, DisabledReason, Endpoint
from doorstep.webhooks.tests.conftest import verify
from tests.factories import make_listing, make_order, make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return make_provider()


@pytest.fixture
def listing(provider):
    return make_listing(provider=provider)


@pytest.fixture
def endpoint(provider, receiver):
    endpoint, secret = services.create_endpoint(
        owner=provider.user, url=receiver.url, event_types=["order.*"]
    )
    endpoint.test_secret = secret
    return endpoint


def _sweep() -> None:
    """What the scheduler runs every minute."""
    JOBS_BY_NAME["retry_webhook_deliveries"].function()


@pytest.fixture
def clock(monkeypatch):
    """Moves ``timezone.now`` forward, as the real clock would."""

    class Clock:
        offset = timedelta(0)

        def advance(self, by: timedelta) -> None:
            self.offset += by

    clock = Clock()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + clock.offset)
    return clock


def _order_event(order, topic="order.accept") -> Event:
    with transaction.atomic():
        return record_event(
            topic=topic,
            subject=order.public_id,
            payload={"from": "requested", "to": "accepted", "actor": "provider"},
        )


def test_an_order_event_reaches_the_receiver_signed(
    endpoint, listing, receiver, django_capture_on_commit_callbacks
):
    # given an endpoint of the provider, when a customer books them
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(listing=listing)

    # then the receiver got one message, signed by the endpoint's secret
    [received] = receiver.requests
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert verify(endpoint.test_secret, received)
    assert received.headers["webhook-id"] == delivery.public_id
    assert received.path == "/hooks"
    body = received.json
    assert body["type"] == "order.created"
    assert body["data"]["id"] == order.public_id
    # public ids and states only: no pk, no names, no addresses
    assert set(body["data"]) <= {"object", "id", "mode", "state", "previous_state"}
    assert all(isinstance(value, str) for value in body["data"].values())
    assert order.customer.name not in received.body.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert delivery.attempt_log.get().status_code == 200


def test_a_tampered_body_does_not_verify(
    endpoint, listing, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    [received] = receiver.requests
    received.body = received.body.replace(b"order.created", b"order.cancel")
    assert not verify(endpoint.test_secret, received)


def test_a_500_is_retried_by_the_sweep_with_the_same_id(
    endpoint, listing, receiver, clock, django_capture_on_commit_callbacks
):
    receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1

    # not due yet: the sweep sends nothing
    _sweep()
    assert len(receiver.requests) == 1

    # when the clock passes the 5 s retry (and the sweep's grace)
    clock.advance(services.RETRY_DELAYS[1] + services.SWEEP_GRACE)
    _sweep()

    # then it was sent again, with the same id, and delivered
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert verify(endpoint.test_secret, second)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    codes = list(delivery.attempt_log.order_by("number").values_list("status_code"))
    assert codes == [(500,), (200,)]
    # the failed attempt's answer is kept, cut to 2 KB
    assert len(delivery.attempt_log.get(number=1).response_body) == 2048
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_the_retries_follow_the_schedule_then_give_up(
    endpoint, listing, receiver, clock, django_capture_on_commit_callbacks
):
    receiver.answer(*[503] * services.MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    for delay in services.RETRY_DELAYS[1:]:
        clock.advance(delay + services.SWEEP_GRACE)
        _sweep()
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == Delivery.Status.FAILED
    assert len(receiver.requests) == services.MAX_ATTEMPTS
    clock.advance(timedelta(days=1))
    _sweep()
    assert len(receiver.requests) == services.MAX_ATTEMPTS


def test_a_410_turns_the_endpoint_off_and_is_not_retried(
    endpoint, listing, receiver, clock, django_capture_on_commit_callbacks
):
    receiver.answer(410)
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == DisabledReason.GONE
    assert Delivery.objects.get(endpoint=endpoint).status == Delivery.Status.FAILED
    # the owner is told
    assert Notification.objects.filter(
        recipient=endpoint.owner, title="A webhook endpoint was turned off"
    ).exists()

    clock.advance(timedelta(days=1))
    _sweep()
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=endpoint.owner.provider_profile.listings.first())
    assert len(receiver.requests) == 1


def test_days_of_failures_turn_the_endpoint_off(
    endpoint, listing, receiver, clock, django_capture_on_commit_callbacks
):
    receiver.answer(*[500] * 50)
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    clock.advance(services.DISABLE_AFTER + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        _sweep()
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == DisabledReason.FAILING
    assert Notification.objects.filter(recipient=endpoint.owner).exists()
    # nothing more is sent to it
    sent = len(receiver.requests)
    clock.advance(timedelta(days=1))
    _sweep()
    assert len(receiver.requests) == sent


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(
    endpoint, receiver, clock, django_capture_on_commit_callbacks
):
    old = endpoint.test_secret
    _endpoint, new = services.rotate_secret(
        user=endpoint.owner, endpoint_id=endpoint.public_id
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_message(user=endpoint.owner, endpoint_id=endpoint.public_id)
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verify(old, during)
    assert verify(new, during)

    clock.advance(services.SECRET_OVERLAP + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_message(user=endpoint.owner, endpoint_id=endpoint.public_id)
    after = receiver.requests[-1]
    assert after.json["type"] == "webhook.test"
    assert verify(new, after)
    assert not verify(old, after)


def test_the_consumer_makes_one_delivery_per_endpoint_and_event(
    endpoint, listing, receiver, django_capture_on_commit_callbacks
):
    order = make_order(listing=listing)  # its own event is not delivered here
    event = _order_event(order)
    with django_capture_on_commit_callbacks(execute=True):
        on_event(event)
        on_event(event)  # delivered twice by the outbox
    assert Delivery.objects.filter(endpoint=endpoint, event=event).count() == 1
    assert len(receiver.requests) == 1


def test_filters_and_ownership_decide_who_hears(
    endpoint, listing, receiver, django_capture_on_commit_callbacks
):
    stranger = make_provider()
    services.create_endpoint(owner=stranger.user, url=receiver.url)
    services.create_endpoint(
        owner=endpoint.owner, url=receiver.url, event_types=["review.submitted"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    assert Delivery.objects.count() == 1
    assert Delivery.objects.get().endpoint == endpoint


def test_a_replay_sends_the_same_message_again(
    endpoint, listing, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    delivery = Delivery.objects.get(endpoint=endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        services.replay_delivery(
            user=endpoint.owner,
            endpoint_id=endpoint.public_id,
            delivery_id=delivery.public_id,
        )
    first, again = receiver.requests
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert again.body == first.body
    assert delivery.attempt_log.filter(manual=True).count() == 1


def test_a_marketplace_endpoint_hears_every_order(
    receiver, listing, django_capture_on_commit_callbacks
):
    from tests.factories import make_ops

    ops = make_ops()
    endpoint, _secret = services.create_endpoint(
        owner=ops, url=receiver.url, event_types=["order.created"], scope="marketplace"
    )
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1
    assert Endpoint.objects.count() == 1


def test_a_task_and_the_sweep_arriving_together_send_once(
    endpoint, listing, receiver, clock, django_capture_on_commit_callbacks
):
    # given a delivery due for its retry
    receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        make_order(listing=listing)
    delivery = Delivery.objects.get(endpoint=endpoint)
    clock.advance(services.RETRY_DELAYS[1] + services.SWEEP_GRACE)
    # when one sender holds it (its claim not yet expired)…
    assert services._claim(delivery.pk, timezone.now(), manual=False)
    # …the other (the sweep, or a duplicate task) sends nothing
    _sweep()
    assert services.send_delivery(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 1
    # and once the claim lapses (its holder died), the sweep sends it
    clock.advance(services.CLAIM_FOR + timedelta(seconds=1))
    _sweep()
    assert len(receiver.requests) == 2
