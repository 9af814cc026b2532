"""Buying a platform service (``dispatch.booking``): what is on sale where and
its promise, the price the order stores, the rules on place and time, and the
same lifecycle as a booking to the end — the customer reviews the worker."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.core.errors import DomainError, NotFound
from doorstep.dispatch import booking, cascade
from doorstep.dispatch.models import DispatchJob, SlaPolicy
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.models import Order
from doorstep.orders.services import transition_order
from doorstep.orders.states import OrderState
from doorstep.reviews.services import submit_review
from tests.factories import TAIPEI, make_user

pytestmark = pytest.mark.django_db

NEAR = (HOME[0] + 0.01, HOME[1])


@pytest.fixture
def on_sale():
    return service_in_shanghai()


def _place(on_sale, **changes):
    arguments = {
        "customer": make_user(),
        "service_id": on_sale.service.public_id,
        "address": "1 Yuyuan Road",
        "latitude": HOME[0],
        "longitude": HOME[1],
        "asap": True,
    }
    arguments.update(changes)
    return booking.place_dispatch_order(**arguments)


def test_the_catalogue_near_a_point_carries_the_most_specific_promise(on_sale):
    category = on_sale.service.category
    SlaPolicy.objects.create(category=category, respond_minutes=15, arrive_minutes=60)
    other = service_in_shanghai()

    items = {item.service.pk: item for item in booking.catalogue_near(*HOME)}

    assert items[on_sale.service.pk].promise.arrive_minutes == 60
    assert items[other.service.pk].promise.arrive_minutes != 60
    assert booking.catalogue_near(*TAIPEI) == []


def test_the_order_stores_the_previewed_price(on_sale):
    preview = booking.price_of(
        booking.service_on_sale(
            service_id=on_sale.service.public_id, latitude=HOME[0], longitude=HOME[1]
        ).offer
    )

    order = _place(on_sale)

    assert (order.subtotal_amount, order.service_fee_amount, order.total_amount) == (
        preview.subtotal_amount,
        preview.service_fee_amount,
        preview.total_amount,
    )
    assert order.lines.get().amount == 15_000
    assert (order.listing, order.provider) == (None, None)
    assert order.time_zone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"service_id": "svc_nothing"}, "service_not_found"),
        ({"latitude": 0.0, "longitude": 0.0}, "outside_service_area"),
        ({"latitude": TAIPEI[0], "longitude": TAIPEI[1]}, "service_not_sold_here"),
        ({"asap": False}, "invalid_input"),
        ({"address": "  "}, "invalid_input"),
        ({"notes": "x" * 2001}, "invalid_input"),
    ],
)
def test_refusals_write_nothing(on_sale, changes, code):
    before = Order.objects.count(), DispatchJob.objects.count()

    with pytest.raises(DomainError) as refused:
        _place(on_sale, **changes)

    assert refused.value.code == code
    assert (Order.objects.count(), DispatchJob.objects.count()) == before


def test_an_unknown_service_is_not_found(on_sale):
    with pytest.raises(NotFound):
        _place(on_sale, service_id="svc_nothing")


def test_an_inactive_service_is_no_longer_sold(on_sale):
    on_sale.is_active = False
    on_sale.save()

    with pytest.raises(NotFound):
        _place(on_sale)


def test_a_time_must_leave_an_hour_and_lie_within_30_days(on_sale):
    now = timezone.now()

    with pytest.raises(DomainError) as soon:
        _place(on_sale, asap=False, starts_at=now + timedelta(minutes=59))
    with pytest.raises(DomainError) as far:
        _place(on_sale, asap=False, starts_at=now + timedelta(days=31))

    assert soon.value.code == "too_soon"
    assert far.value.code == "too_far_ahead"
    assert Order.objects.count() == 0


def test_asap_only_where_offered(on_sale):
    on_sale.offers_asap = False
    on_sale.save()

    with pytest.raises(DomainError) as refused:
        _place(on_sale)

    assert refused.value.code == "asap_not_offered"
    assert "starts_at" in refused.value.fields


def test_status_never_tells_who_declined(on_sale):
    first = make_worker(on_sale.service.category, at=NEAR)
    make_worker(on_sale.service.category, at=(HOME[0] + 0.05, HOME[1]))
    order = paid_dispatch_order(on_sale)
    with after_commit():
        cascade.decline_offer(
            offer_id=order.dispatch_job.offers.get().public_id,
            user=first.provider.user,
        )

    status = booking.dispatch_status(order)

    assert status.searching
    assert status.offers_made == 2
    assert status.worker_name == ""


def test_a_dispatched_order_runs_to_the_end_and_the_customer_reviews_the_worker(
    client, on_sale
):
    worker = make_worker(on_sale.service.category, at=NEAR)
    order = paid_dispatch_order(on_sale)
    customer, pro = order.customer, worker.provider.user
    with after_commit():
        cascade.accept_offer(
            offer_id=order.dispatch_job.offers.get().public_id, user=pro
        )
        order = Order.objects.get(pk=order.pk)
        for name, data in (
            ("depart", {}),
            ("start", {"start_code": order.start_code}),
            ("deliver", {}),
        ):
            order = transition_order(order=order, name=name, user=pro, data=data)
        order = transition_order(order=order, name="confirm", user=customer)
    assert order.state == OrderState.COMPLETED
    client.force_login(customer)

    page = client.get(order.get_absolute_url())
    review_page = client.get(reverse("reviews:order", args=[order.public_id]))
    review = submit_review(order=order, author=customer, stars=5, text="Spotless.")

    assert "data-leave-review" in page.content.decode()
    assert review_page.status_code == 200
    assert review.provider == worker.provider
    assert review.listing_id is None
