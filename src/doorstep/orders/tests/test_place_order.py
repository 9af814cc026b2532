"""``place_order`` and ``hold_slot``: a good booking writes the order, its lines,
its claim and its first event; every bad one says why and writes nothing."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.models import Event
from doorstep.orders.models import Order, OrderEvent, OrderLine, OrderTimer
from doorstep.orders.services import hold_slot, place_order
from doorstep.orders.tests.conftest import add_on, at, book_and_pay, booking, day_ahead
from doorstep.scheduling.models import AvailabilityException, TimeClaim
from doorstep.scheduling.services import update_policy
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_listing, make_user

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "claims": TimeClaim.objects.filter(released_at__isnull=True).count(),
        "events": OrderEvent.objects.count(),
        "outbox": Event.objects.count(),
        "timers": OrderTimer.objects.count(),
    }


def _refused(arguments: dict, error_type=DomainError) -> DomainError:
    before = _counts()
    with pytest.raises(error_type) as error:
        place_order(**arguments)
    assert _counts() == before, "a refused booking must write nothing"
    return error.value


# --- Good bookings ------------------------------------------------------------------


def test_a_booking_claims_the_time_and_waits_for_payment(listing, customer):
    order = place_order(**booking(listing, customer, notes="  Ring twice  "))

    assert order.state == "awaiting_payment"
    assert order.replayed is False
    assert order.provider == listing.provider
    assert order.starts_at == at("10:00")
    assert order.ends_at == at("12:00")
    assert order.time_zone == "Asia/Shanghai"
    assert order.notes == "Ring twice"
    assert order.subtotal_amount == listing.price_amount
    assert order.service_fee_amount == listing.price_amount * 500 // 10_000
    assert order.total_amount == order.subtotal_amount + order.service_fee_amount
    assert order.respond_by is None  # the provider's clock starts once paid
    claim = TimeClaim.objects.get(order=order)
    assert (claim.starts_at, claim.ends_at) == (order.starts_at, order.ends_at)
    assert list(order.events.values_list("transition", "to_state")) == [
        ("create", "awaiting_payment")
    ]
    assert Event.objects.filter(topic="order.created", subject=order.public_id)
    assert order.timers.get().name == "expire_payment"


def test_a_paid_request_waits_for_the_provider(listing, customer):
    order = book_and_pay(**booking(listing, customer))

    assert order.state == "requested"
    assert order.respond_by == order.state_changed_at + timedelta(hours=12)
    assert list(order.events.values_list("transition", "to_state")) == [
        ("create", "awaiting_payment"),
        ("pay", "requested"),
    ]
    assert order.timers.get(cancelled_at__isnull=True).name == "expire_request"


def test_an_instant_booking_is_accepted_once_paid(customer):
    listing = bookable_listing(duration=60)
    Listing.objects.filter(pk=listing.pk).update(instant_book=True)

    order = book_and_pay(**booking(listing, customer))

    assert order.state == "accepted"
    assert order.respond_by is None
    assert order.events.get(transition="create").data == {"instant_book": True}
    assert order.events.filter(transition="pay_instant").exists()


def test_the_answer_deadline_is_never_after_the_start(customer):
    listing = bookable_listing(duration=60)
    Listing.objects.filter(pk=listing.pk).update(response_window_hours=72)

    order = book_and_pay(**booking(listing, customer, starts_at=at("10:00", days=1)))

    assert order.respond_by == at("10:00", days=1)


def test_hourly_price_is_rate_times_hours_plus_add_ons_with_their_time(customer):
    listing = bookable_listing(pricing_model=PricingModel.HOURLY, min_hours=2)
    fridge = add_on(listing, "Inside the fridge", 5000, minutes=30)
    add_on(listing, "Balcony", 8000)

    order = place_order(
        **booking(listing, customer, hours=3, add_on_ids=[fridge.public_id])
    )

    lines = list(order.lines.values_list("kind", "unit_amount", "quantity", "amount"))
    assert lines == [("service", 10000, 3, 30000), ("add_on", 5000, 1, 5000)]
    assert order.subtotal_amount == 35000
    assert (order.service_fee_amount, order.total_amount) == (1750, 36750)
    assert order.hours == 3
    assert order.ends_at - order.starts_at == timedelta(minutes=3 * 60 + 30)


def test_buffers_are_claimed_around_the_job(customer):
    listing = bookable_listing(
        duration=60, buffer_before_minutes=15, buffer_after_minutes=30
    )

    order = place_order(**booking(listing, customer))

    claim = TimeClaim.objects.get(order=order)
    assert claim.starts_at == order.starts_at - timedelta(minutes=15)
    assert claim.ends_at == order.ends_at + timedelta(minutes=30)
    assert order.ends_at - order.starts_at == timedelta(minutes=60)


# --- Holds --------------------------------------------------------------------------


def test_a_hold_keeps_the_time_and_becomes_the_order_claim(listing, customer):
    hold = hold_slot(
        customer=customer, listing_id=listing.public_id, starts_at=at("10:00")
    )
    assert hold.hold_token
    assert hold.hold_expires_at > timezone.now()

    with pytest.raises(Conflict) as error:
        place_order(**booking(listing, make_user()))
    assert error.value.code == "slot_taken"

    order = place_order(**booking(listing, customer, hold_token=hold.hold_token))

    hold.refresh_from_db()
    assert hold.order == order
    assert hold.hold_token == ""
    assert TimeClaim.objects.filter(released_at__isnull=True).count() == 1


def test_a_hold_for_another_time_is_refused(listing, customer):
    hold = hold_slot(
        customer=customer, listing_id=listing.public_id, starts_at=at("10:00")
    )

    error = _refused(
        booking(listing, customer, starts_at=at("14:00"), hold_token=hold.hold_token),
        Conflict,
    )

    assert error.code == "hold_mismatch"


def test_another_customers_hold_token_is_refused(listing, customer):
    # Given a hold made by one customer
    hold = hold_slot(
        customer=customer, listing_id=listing.public_id, starts_at=at("10:00")
    )

    # When someone else books with its token
    error = _refused(
        booking(listing, make_user(), hold_token=hold.hold_token), Conflict
    )

    # Then they are refused and the hold stays the customer's, to book
    assert error.code == "hold_expired"
    hold.refresh_from_db()
    assert hold.order is None
    assert hold.held_by == customer
    order = place_order(**booking(listing, customer, hold_token=hold.hold_token))
    assert order.customer == customer


def test_a_lapsed_hold_is_refused(listing, customer):
    hold = hold_slot(
        customer=customer, listing_id=listing.public_id, starts_at=at("10:00")
    )
    TimeClaim.objects.filter(pk=hold.pk).update(
        hold_expires_at=timezone.now() - timedelta(seconds=1)
    )

    error = _refused(booking(listing, customer, hold_token=hold.hold_token), Conflict)

    assert error.code == "hold_expired"


# --- Idempotency --------------------------------------------------------------------


def test_a_repeat_with_the_same_key_returns_the_same_order(listing, customer):
    first = place_order(**booking(listing, customer, idempotency_key="k-1"))
    before = _counts()

    again = place_order(**booking(listing, customer, idempotency_key="k-1"))

    assert again.pk == first.pk
    assert again.replayed is True
    assert _counts() == before


def test_the_same_key_with_other_parameters_is_refused(listing, customer):
    place_order(**booking(listing, customer, idempotency_key="k-1"))

    error = _refused(
        booking(listing, customer, idempotency_key="k-1", starts_at=at("14:00"))
    )

    assert error.code == "idempotency_mismatch"
    assert error.status == 422


def test_keys_belong_to_one_customer(listing, customer):
    place_order(**booking(listing, customer, idempotency_key="k-1"))

    other = place_order(
        **booking(listing, make_user(), idempotency_key="k-1", starts_at=at("14:00"))
    )

    assert other.replayed is False


# --- Bad input: a clear reason, nothing written -------------------------------------


def test_a_time_in_the_past(listing, customer):
    error = _refused(
        booking(listing, customer, starts_at=timezone.now() - timedelta(hours=1))
    )
    assert error.code == "in_past"
    assert "starts_at" in error.fields


def test_a_time_outside_the_working_hours(listing, customer):
    error = _refused(booking(listing, customer, starts_at=at("20:00")))
    assert error.code == "outside_availability"


def test_a_time_that_is_not_on_the_grid(listing, customer):
    error = _refused(booking(listing, customer, starts_at=at("10:10")))
    assert error.code == "outside_availability"


def test_a_day_off(listing, customer):
    AvailabilityException.objects.create(
        provider=listing.provider, date=day_ahead(), kind="off"
    )
    error = _refused(booking(listing, customer))
    assert error.code == "day_off"


def test_too_little_notice(listing, customer):
    update_policy(provider=listing.provider, min_lead_minutes=3 * 24 * 60)
    error = _refused(booking(listing, customer))
    assert error.code == "too_soon"


def test_hours_on_a_fixed_length_service(listing, customer):
    error = _refused(booking(listing, customer, hours=3))
    assert error.code == "wrong_duration"
    assert "hours" in error.fields


def test_too_few_hours(customer):
    listing = bookable_listing(pricing_model=PricingModel.HOURLY, min_hours=2)
    error = _refused(booking(listing, customer, hours=1))
    assert error.code == "wrong_duration"


def test_a_job_running_past_the_working_hours(listing, customer):
    error = _refused(booking(listing, customer, starts_at=at("16:00")))
    assert error.code == "outside_availability"


def test_a_paused_listing(listing, customer):
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PAUSED)
    error = _refused(booking(listing, customer))
    assert error.code == "listing_unavailable"


def test_a_suspended_provider(listing, customer):
    provider = listing.provider
    provider.status = provider.Status.SUSPENDED
    provider.save()
    error = _refused(booking(listing, customer))
    assert error.code == "listing_unavailable"


def test_a_provider_cannot_book_their_own_listing(listing):
    error = _refused(booking(listing, listing.provider.user))
    assert error.code == "own_listing"
    assert error.status == 422


def test_a_listing_on_quote_cannot_be_booked(customer):
    listing = make_listing(pricing_model=PricingModel.QUOTE)
    error = _refused(booking(listing, customer))
    assert error.code == "quote_only"
    assert error.status == 422


def test_an_unknown_add_on(listing, customer):
    error = _refused(booking(listing, customer, add_on_ids=["add_nope"]))
    assert error.code == "unknown_add_on"
    assert error.status == 400
    assert "add_on_ids" in error.fields


def test_another_listings_add_on(listing, customer):
    elsewhere = add_on(bookable_listing(), "Balcony", 8000)
    error = _refused(booking(listing, customer, add_on_ids=[elsewhere.public_id]))
    assert error.code == "unknown_add_on"


def test_a_time_without_its_zone(listing, customer):
    naive = datetime.combine(day_ahead(), datetime.min.time()).replace(hour=10)
    error = _refused(booking(listing, customer, starts_at=naive))
    assert error.code == "invalid_time"


def test_no_address(listing, customer):
    error = _refused(booking(listing, customer, address="   "))
    assert error.status == 400
    assert "address" in error.fields


def test_an_address_outside_the_service_area(listing, customer):
    error = _refused(booking(listing, customer, latitude=listing.latitude + 1))
    assert error.code == "outside_service_area"


def test_an_unknown_listing(customer):
    before = Order.objects.count()
    with pytest.raises(NotFound):
        place_order(
            customer=customer,
            listing_id="lst_missing",
            starts_at=at("10:00"),
            address="x",
            latitude=0,
            longitude=0,
        )
    assert Order.objects.count() == before


def test_a_taken_slot_is_a_conflict(listing, customer):
    place_order(**booking(listing, make_user()))

    error = _refused(booking(listing, customer, starts_at=at("11:00")), Conflict)

    assert error.code == "slot_taken"
    assert error.status == 409


def test_a_hold_refuses_the_same_rules(listing, customer):
    before = TimeClaim.objects.count()
    with pytest.raises(DomainError) as error:
        hold_slot(
            customer=customer, listing_id=listing.public_id, starts_at=at("20:00")
        )
    assert error.value.code == "outside_availability"
    assert TimeClaim.objects.count() == before
