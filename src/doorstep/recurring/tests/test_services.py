"""A series and its visits through the real services: each visit an order
with its own time claim, at the price fixed when the series began."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.demo.clock import moved_clock
from doorstep.orders.models import Order
from doorstep.payments.flows import order_payment
from doorstep.payments.models import PaymentStatus
from doorstep.recurring import services
from doorstep.recurring.models import PriceChange, SeriesStatus, Visit, VisitStatus
from doorstep.recurring.tests.conftest import (
    REFUSED_CARD,
    after_commit,
    local,
    save_card,
    today,
    weekly,
)
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _booked(series) -> list[Visit]:
    return list(series.visits.filter(status=VisitStatus.BOOKED).order_by("occurrence"))


def test_a_weekly_series_books_the_horizon_each_visit_its_own_order(listing, customer):
    # when a customer starts a weekly series
    series = weekly(listing, customer)

    # then the visits of the next four weeks are booked, one order and one
    # time claim each, at 10:00 Shanghai time, paid after the service
    visits = _booked(series)
    assert [v.occurrence for v in visits] == [
        today() + timedelta(days=2 + 7 * n) for n in range(4)
    ]
    for visit in visits:
        order = visit.order
        assert order.starts_at == local(visit.occurrence, "10:00")
        assert order.payment_timing == "after_service"
        assert order.subtotal_amount == series.price_amount == listing.price_amount
        assert TimeClaim.objects.filter(order=order).count() == 1
    assert series.currency == listing.currency


def test_the_horizon_job_is_idempotent(listing, customer):
    series = weekly(listing, customer)
    before = set(Order.objects.values_list("pk", flat=True))

    # when the job runs twice more
    services.plan_visits()
    services.plan_visits()

    # then nothing new is booked
    assert set(Order.objects.values_list("pk", flat=True)) == before
    assert series.visits.count() == 4


def test_later_runs_book_further_as_time_passes_and_the_count_ends_it(
    listing, customer
):
    series = weekly(listing, customer, visit_count=5)
    later = timezone.now() + timedelta(days=10)
    with moved_clock(later), after_commit():
        services.plan_visits(now=later)
    assert series.visits.count() == 5
    much_later = timezone.now() + timedelta(days=60)
    with moved_clock(much_later), after_commit():
        services.plan_visits(now=much_later)
    series.refresh_from_db()
    assert series.visits.count() == 5
    assert series.status == SeriesStatus.ENDED


def test_chosen_weekdays(listing, customer):
    start = today() + timedelta(days=1)
    days = "".join(str((start.weekday() + n) % 7) for n in (0, 2))
    series = weekly(
        listing,
        customer,
        cadence="weekdays",
        weekdays=days,
        start_date=start,
        visit_count=None,
        end_date=start + timedelta(days=13),
    )
    occurrences = [v.occurrence for v in series.visits.all()]
    assert occurrences == [start + timedelta(days=d) for d in (0, 2, 7, 9)]


def test_the_price_stays_fixed_when_the_listing_price_changes(listing, customer):
    series = weekly(listing, customer, visit_count=6)
    listing.price_amount = listing.price_amount * 2
    listing.save(update_fields=["price_amount"])
    later = timezone.now() + timedelta(days=14)
    with moved_clock(later), after_commit():
        services.plan_visits(now=later)
    prices = {v.order.subtotal_amount for v in series.visits.all()}
    assert prices == {series.price_amount}


def test_a_busy_usual_time_is_never_double_booked_and_a_free_time_is_proposed(
    listing, customer
):
    # given the provider is busy at the usual time of the second visit
    day = today() + timedelta(days=9)
    from doorstep.orders.services import place_order

    place_order(
        customer=make_user(),
        listing_id=listing.public_id,
        starts_at=local(day, "10:00"),
        address="1 Other Road",
        latitude=listing.latitude,
        longitude=listing.longitude,
    )

    # when the series is planned
    series = weekly(listing, customer)

    # then that visit is not booked but offered at the nearest free time
    visit = series.visits.get(occurrence=day)
    assert visit.status == VisitStatus.PROPOSED
    assert visit.order is None
    assert visit.proposed_listing == listing
    assert visit.proposed_starts_at == local(day, "12:00")
    assert visit.problem == "slot_taken"

    # and the customer accepts: booked at that time, with its own claim
    with after_commit():
        visit = services.accept_alternative(user=customer, visit_id=visit.public_id)
    assert visit.status == VisitStatus.BOOKED
    assert visit.order.starts_at == local(day, "12:00")
    assert visit.order.subtotal_amount == series.price_amount


def test_another_provider_is_offered_when_the_provider_is_off(listing, customer):
    from doorstep.recurring.tests.conftest import offering_after_service
    from doorstep.scheduling.services import add_exception
    from doorstep.scheduling.tests.helpers import bookable_listing

    other = offering_after_service(bookable_listing(duration=120))
    other.category = listing.category
    other.save(update_fields=["category"])
    day = today() + timedelta(days=2)
    for n in range(4):
        add_exception(
            provider=listing.provider, day=day + timedelta(days=n), kind="off"
        )
    series = weekly(listing, customer)
    visit = series.visits.get(occurrence=day)
    assert visit.status == VisitStatus.PROPOSED
    assert visit.proposed_listing == other
    assert visit.proposed_starts_at == local(day, "10:00")
    with after_commit():
        services.decline_alternative(user=customer, visit_id=visit.public_id)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.NOT_SERVED
    assert visit.order is None


def test_skip_cancels_free_and_the_charge_job_never_charges_it(listing, customer):
    series = weekly(listing, customer)
    first = _booked(series)[0]
    with after_commit():
        services.skip_visit(user=customer, visit_id=first.public_id)
    first.refresh_from_db()
    assert first.status == VisitStatus.SKIPPED
    assert first.order.state == "cancelled"
    assert first.order.cancellation_fee_amount == 0
    assert not TimeClaim.objects.filter(
        order=first.order, released_at__isnull=True
    ).exists()

    # the day before, the job charges the others, never the skipped one
    moment = first.planned_starts_at - timedelta(hours=20)
    with moved_clock(moment), after_commit():
        services.charge_due_visits(now=moment)
    first.refresh_from_db()
    assert first.charged_at is None
    assert order_payment(first.order) is None


def test_the_charge_job_holds_the_price_a_day_before_through_the_sandbox(
    listing, customer
):
    series = weekly(listing, customer)
    first, second = _booked(series)[:2]
    moment = first.planned_starts_at - timedelta(hours=20)
    with moved_clock(moment), after_commit():
        result = services.charge_due_visits(now=moment)
        services.charge_due_visits(now=moment)
    assert result == {"held": 1, "refused": 0}
    first.refresh_from_db()
    payment = order_payment(first.order)
    assert payment.status == PaymentStatus.AUTHORISED
    assert payment.amount == first.order.total_amount
    assert first.charged_at == moment
    assert order_payment(second.order) is None

    # a charged visit cannot be skipped any more
    with pytest.raises(Conflict) as refused:
        services.skip_visit(user=customer, visit_id=first.public_id)
    assert refused.value.code == "visit_not_skippable"


def test_a_refused_card_tells_the_customer_and_a_new_card_is_tried(listing, customer):
    from doorstep.events.models import Event

    refused = save_card(customer, REFUSED_CARD)
    series = weekly(listing, customer, payment_method_id=refused.public_id)
    first = _booked(series)[0]
    moment = first.planned_starts_at - timedelta(hours=20)
    with moved_clock(moment), after_commit():
        assert services.charge_due_visits(now=moment) == {"held": 0, "refused": 1}
    assert Event.objects.filter(
        topic="recurring.visit_charge_failed", subject=series.public_id
    ).exists()
    good = save_card(customer, "sbx_success_mastercard_4444")
    with moved_clock(moment + timedelta(minutes=5)), after_commit():
        services.set_series_card(
            user=customer, series_id=series.public_id, method_id=good.public_id
        )
        assert services.charge_due_visits(now=moment + timedelta(minutes=5)) == {
            "held": 1,
            "refused": 0,
        }
    first.refresh_from_db()
    assert order_payment(first.order).status == PaymentStatus.AUTHORISED


def test_pause_skips_ahead_and_resume_books_again(listing, customer):
    series = weekly(listing, customer)
    with after_commit():
        services.pause_series(user=customer, series_id=series.public_id)
    assert not _booked(series)
    assert set(
        Order.objects.filter(series_visit__series=series).values_list(
            "state", flat=True
        )
    ) == {"cancelled"}
    services.plan_visits()
    assert not _booked(series)
    with after_commit():
        services.resume_series(user=customer, series_id=series.public_id)
    assert len(_booked(series)) == 4
    for visit in _booked(series):
        assert visit.order.state in ("requested", "accepted")


def test_ending_skips_the_rest_and_books_no_more(listing, customer):
    series = weekly(listing, customer)
    with after_commit():
        services.end_series(user=listing.provider.user, series_id=series.public_id)
    series.refresh_from_db()
    assert series.status == SeriesStatus.ENDED
    assert not _booked(series)
    services.plan_visits(now=timezone.now() + timedelta(days=8))
    assert not _booked(series)


def test_the_price_changes_only_when_both_agree(listing, customer):
    series = weekly(listing, customer, visit_count=8)
    provider = listing.provider.user
    with pytest.raises(PermissionDenied):
        services.propose_price(
            user=customer, series_id=series.public_id, price_amount=1
        )
    change = services.propose_price(
        user=provider, series_id=series.public_id, price_amount=12_000
    )
    with pytest.raises(Conflict):
        services.propose_price(
            user=provider, series_id=series.public_id, price_amount=13_000
        )
    with pytest.raises(PermissionDenied):
        services.answer_price(user=provider, change_id=change.public_id, accept=True)
    services.answer_price(user=customer, change_id=change.public_id, accept=True)
    series.refresh_from_db()
    assert series.price_amount == 12_000
    assert change.__class__.objects.get().status == PriceChange.Status.ACCEPTED
    later = timezone.now() + timedelta(days=14)
    with moved_clock(later), after_commit():
        services.plan_visits(now=later)
    newest = series.visits.order_by("-occurrence").first()
    assert newest.order.subtotal_amount == 12_000


def test_someone_else_sees_nothing(listing, customer):
    series = weekly(listing, customer)
    visit = _booked(series)[0]
    stranger = make_user()
    with pytest.raises(NotFound):
        services.access_series(user=stranger, series_id=series.public_id)
    with pytest.raises(NotFound):
        services.skip_visit(user=stranger, visit_id=visit.public_id)
    with pytest.raises(NotFound):
        services.pause_series(user=stranger, series_id=series.public_id)


def test_bad_input_changes_nothing(listing, customer):
    with pytest.raises(DomainError) as refused:
        weekly(listing, customer, visit_count=None)
    assert refused.value.code == "invalid_input"
    listing.offers_pay_after_service = False
    listing.save(update_fields=["offers_pay_after_service"])
    with pytest.raises(DomainError) as refused:
        weekly(listing, customer, start_time=time(11, 0))
    assert refused.value.code == "payment_timing_unavailable"
    assert not Order.objects.exists()


def test_a_visit_the_provider_turns_down_is_offered_elsewhere(listing, customer):
    from doorstep.orders.services import transition_order
    from doorstep.recurring.tests.conftest import offering_after_service
    from doorstep.scheduling.tests.helpers import bookable_listing

    other = offering_after_service(bookable_listing(duration=120))
    other.category = listing.category
    other.save(update_fields=["category"])
    series = weekly(listing, customer)
    first = _booked(series)[0]
    declined = first.order
    with after_commit():
        transition_order(order=declined, name="decline", user=listing.provider.user)

    # the next run of the horizon job offers another provider at the usual time
    with after_commit():
        services.plan_visits()
    first.refresh_from_db()
    assert first.status == VisitStatus.PROPOSED
    assert first.order is None
    assert first.proposed_listing == other
    assert first.problem == "order_declined"
    with after_commit():
        visit = services.accept_alternative(user=customer, visit_id=first.public_id)
    assert visit.order != declined
    assert visit.order.listing == other
    assert visit.order.idempotency_key == services.visit_key(visit)
    assert visit.attempt == 2


def test_a_visit_the_customer_cancels_on_the_order_page_is_a_skip(listing, customer):
    from doorstep.orders.services import transition_order

    series = weekly(listing, customer)
    first = _booked(series)[0]
    with after_commit():
        transition_order(order=first.order, name="cancel", user=customer)
        services.plan_visits()
    first.refresh_from_db()
    assert first.status == VisitStatus.SKIPPED
    assert first.skip_reason == "cancelled"


def test_an_alternative_nobody_answers_lapses_when_its_time_comes(listing, customer):
    from doorstep.orders.services import place_order

    day = today() + timedelta(days=2)
    place_order(
        customer=make_user(),
        listing_id=listing.public_id,
        starts_at=local(day, "10:00"),
        address="1 Other Road",
        latitude=listing.latitude,
        longitude=listing.longitude,
    )
    series = weekly(listing, customer)
    visit = series.visits.get(occurrence=day)
    assert visit.status == VisitStatus.PROPOSED
    later = visit.proposed_starts_at + timedelta(minutes=1)
    with moved_clock(later), after_commit():
        services.plan_visits(now=later)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.NOT_SERVED
    assert visit.skip_reason == "unanswered"
    assert visit.order is None
