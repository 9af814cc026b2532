"""A series on a request-to-book listing: the provider accepts it once (a
standing acceptance) and the visits booked later are accepted for them through
the process, still claiming their time; they decline it (it ends) or withdraw
the acceptance (visits are requests again). Web, API, and the wrong users."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.core.errors import Conflict, NotFound, PermissionDenied
from doorstep.demo.clock import moved_clock
from doorstep.events.models import Event
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.services import place_order
from doorstep.orders.states import OrderState
from doorstep.recurring import services
from doorstep.recurring.models import (
    SeriesAcceptance,
    SeriesStatus,
    VisitStatus,
)
from doorstep.recurring.notices import plan_for
from doorstep.recurring.tests.conftest import (
    after_commit,
    local,
    save_card,
    today,
    weekly,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _states(series) -> list[str]:
    return [
        visit.order.state
        for visit in series.visits.select_related("order").order_by("occurrence")
        if visit.order is not None
    ]


def _told(series, topic: str):
    event = Event.objects.filter(
        topic=f"recurring.{topic}", subject=series.public_id
    ).get()
    (planned,) = plan_for(event)
    return planned


def _plan_at(moment):
    with moved_clock(moment), after_commit():
        return services.plan_visits(now=moment)


def test_a_request_to_book_series_waits_for_the_provider(listing, customer):
    # given a request-to-book listing, when a customer starts a series
    assert not listing.instant_book
    series = weekly(listing, customer)

    # then the series waits for the provider, its first visits are requests
    # (their time claimed), and the provider is asked to accept the series
    assert series.acceptance == SeriesAcceptance.PENDING
    assert series.status == SeriesStatus.ACTIVE
    assert _states(series) == [OrderState.REQUESTED] * 4
    planned = _told(series, "series_created")
    assert planned.recipient == listing.provider.user
    assert planned.wording == "recurring_requested"


def test_accepted_once_later_visits_are_accepted_without_the_provider(
    listing, customer
):
    series = weekly(listing, customer)
    provider = listing.provider.user

    # when the provider accepts the series once
    with after_commit():
        services.accept_series(user=provider, series_id=series.public_id)

    # then the visits waiting for them are accepted, as by their own click
    series.refresh_from_db()
    assert series.acceptance == SeriesAcceptance.STANDING
    assert _states(series) == [OrderState.ACCEPTED] * 4
    assert _told(series, "series_accepted").recipient == customer

    # and the visits the horizon job books later are accepted for them,
    # through the process, by the system, naming the series
    _plan_at(timezone.now() + timedelta(days=14))
    assert _states(series) == [OrderState.ACCEPTED] * 6
    later = series.visits.order_by("-occurrence")[:2]
    for visit in later:
        event = OrderEvent.objects.get(order=visit.order, to_state=OrderState.ACCEPTED)
        assert event.transition == "accept_standing"
        assert event.actor == "system"
        assert event.data["standing_acceptance"] == series.public_id
    # at the series' fixed price
    assert {v.order.subtotal_amount for v in series.visits.all()} == {
        series.price_amount
    }


def test_a_clash_under_the_standing_acceptance_becomes_a_proposal(listing, customer):
    series = weekly(listing, customer)
    with after_commit():
        services.accept_series(user=listing.provider.user, series_id=series.public_id)
    # given someone else booked the provider at the fifth visit's usual time
    later = timezone.now() + timedelta(days=7)
    fifth = today() + timedelta(days=2 + 28)
    with moved_clock(later):
        other = place_order(
            customer=make_user(),
            listing_id=listing.public_id,
            starts_at=local(fifth, "10:00"),
            address="1 Other Road",
            latitude=listing.latitude,
            longitude=listing.longitude,
        )

    # when the horizon job reaches it
    _plan_at(later)

    # then the visit is not booked (never double-booked) but proposed
    visit = series.visits.get(occurrence=fifth)
    assert visit.status == VisitStatus.PROPOSED
    assert visit.order is None
    assert visit.problem == "slot_taken"
    assert visit.proposed_starts_at != local(fifth, "10:00")
    other.refresh_from_db()
    assert other.state == OrderState.AWAITING_PAYMENT
    assert _told(series, "visit_proposed").recipient == customer

    # and the alternative the customer takes, with the same provider, is
    # accepted under the standing acceptance too
    with moved_clock(later), after_commit():
        visit = services.accept_alternative(user=customer, visit_id=visit.public_id)
    assert visit.order.state == OrderState.ACCEPTED


def test_declined_the_series_ends_and_the_customer_is_told(listing, customer):
    series = weekly(listing, customer)
    orders = list(Order.objects.filter(series_visit__series=series))

    with after_commit():
        services.decline_series(user=listing.provider.user, series_id=series.public_id)

    series.refresh_from_db()
    assert series.status == SeriesStatus.ENDED
    assert series.acceptance == SeriesAcceptance.DECLINED
    assert {o.state for o in Order.objects.filter(pk__in=[o.pk for o in orders])} == {
        OrderState.DECLINED
    }
    assert set(series.visits.values_list("status", flat=True)) == {
        VisitStatus.NOT_SERVED
    }
    assert not series.visits.filter(charged_at__isnull=False).exists()
    planned = _told(series, "series_declined")
    assert planned.recipient == customer
    assert planned.wording == "recurring_series_declined"
    # and nothing more is booked
    _plan_at(timezone.now() + timedelta(days=14))
    assert series.visits.count() == 4


def test_withdrawn_the_next_visits_are_requests_again(listing, customer):
    series = weekly(listing, customer)
    provider = listing.provider.user
    with after_commit():
        services.accept_series(user=provider, series_id=series.public_id)

    # when the provider withdraws the standing acceptance
    with after_commit():
        services.withdraw_acceptance(user=provider, series_id=series.public_id)

    # then what was accepted stays accepted, the series goes on, and the
    # customer is told
    series.refresh_from_db()
    assert series.acceptance == SeriesAcceptance.WITHDRAWN
    assert series.status == SeriesStatus.ACTIVE
    assert _states(series) == [OrderState.ACCEPTED] * 4
    assert _told(series, "acceptance_withdrawn").recipient == customer

    # and the next visits wait for the provider, one by one
    _plan_at(timezone.now() + timedelta(days=7))
    assert _states(series) == [OrderState.ACCEPTED] * 4 + [OrderState.REQUESTED]

    # until they accept the series again
    with after_commit():
        services.accept_series(user=provider, series_id=series.public_id)
    assert _states(series) == [OrderState.ACCEPTED] * 5


def test_an_instant_book_series_needs_no_acceptance(listing, customer):
    listing.instant_book = True
    listing.save(update_fields=["instant_book"])
    series = weekly(listing, customer)
    assert series.acceptance == SeriesAcceptance.NOT_NEEDED
    assert _states(series) == [OrderState.ACCEPTED] * 4
    assert _told(series, "series_created").wording == "recurring_started"
    for refuse in (services.accept_series, services.decline_series):
        with pytest.raises(Conflict) as refused:
            refuse(user=listing.provider.user, series_id=series.public_id)
        assert refused.value.code == "series_not_awaiting_acceptance"
    with pytest.raises(Conflict) as refused:
        services.withdraw_acceptance(
            user=listing.provider.user, series_id=series.public_id
        )
    assert refused.value.code == "no_standing_acceptance"


def test_only_the_provider_answers_and_a_stranger_sees_nothing(listing, customer):
    series = weekly(listing, customer)
    stranger = make_user()
    actions = (
        services.accept_series,
        services.decline_series,
        services.withdraw_acceptance,
    )
    for action in actions:
        with pytest.raises(PermissionDenied):
            action(user=customer, series_id=series.public_id)
        with pytest.raises(NotFound):
            action(user=stranger, series_id=series.public_id)
    series.refresh_from_db()
    assert series.acceptance == SeriesAcceptance.PENDING
    assert _states(series) == [OrderState.REQUESTED] * 4


def test_the_bare_transition_accepts_only_a_visit_of_the_series_named(
    listing, customer
):
    series = weekly(listing, customer)
    neighbour = make_user()
    save_card(neighbour)
    other = weekly(listing, neighbour, start_time=local(today(), "14:00").time())
    order = series.visits.first().order
    with pytest.raises(Conflict) as refused, transaction.atomic():
        apply_transition(
            order_id=order.pk,
            name="accept_standing",
            user=None,
            system=True,
            data={"standing_acceptance": other.public_id},
        )
    assert refused.value.code == "no_standing_acceptance"
    order.refresh_from_db()
    assert order.state == OrderState.REQUESTED
    with pytest.raises(PermissionDenied):
        apply_transition(
            order_id=order.pk,
            name="accept_standing",
            user=listing.provider.user,
            data={"standing_acceptance": series.public_id},
        )


# --- API ------------------------------------------------------------------------------


def _post(client, path, user):
    with after_commit():
        return client.post(f"{API}{path}", data="{}", content_type=JSON, **bearer(user))


def test_api_the_provider_sees_the_request_and_accepts_it(client, listing, customer):
    series = weekly(listing, customer)
    provider = listing.provider.user

    pending = client.get(
        f"{API}/recurring/series?acceptance=pending", **bearer(provider)
    ).json()
    assert [s["id"] for s in pending] == [series.public_id]
    assert pending[0]["acceptance"] == "pending"
    assert pending[0]["role"] == "provider"

    response = _post(client, f"/recurring/series/{series.public_id}/accept", provider)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["acceptance"] == "standing"
    assert {v["status"] for v in body["visits"]} == {"booked"}
    assert _states(series) == [OrderState.ACCEPTED] * 4
    assert (
        client.get(
            f"{API}/recurring/series?acceptance=pending", **bearer(provider)
        ).json()
        == []
    )

    response = _post(client, f"/recurring/series/{series.public_id}/accept", provider)
    assert_problem(response, 409, "series_not_awaiting_acceptance")

    path = f"/recurring/series/{series.public_id}/withdraw-acceptance"
    response = _post(client, path, provider)
    assert response.status_code == 200, response.content
    assert response.json()["acceptance"] == "withdrawn"


def test_api_decline(client, listing, customer):
    series = weekly(listing, customer)
    response = _post(
        client, f"/recurring/series/{series.public_id}/decline", listing.provider.user
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ended"
    assert response.json()["acceptance"] == "declined"


@pytest.mark.parametrize("action", ["accept", "decline", "withdraw-acceptance"])
def test_api_the_wrong_users_change_nothing(client, listing, customer, action):
    series = weekly(listing, customer)
    path = f"/recurring/series/{series.public_id}/{action}"

    assert_problem(_post(client, path, customer), 403, "actor_not_allowed")
    assert_problem(_post(client, path, make_user()), 404, "series_not_found")
    response = client.post(f"{API}{path}", data="{}", content_type=JSON)
    assert response.status_code == 401

    series.refresh_from_db()
    assert series.acceptance == SeriesAcceptance.PENDING
    assert series.status == SeriesStatus.ACTIVE
    assert _states(series) == [OrderState.REQUESTED] * 4


# --- Web ------------------------------------------------------------------------------


def test_web_the_provider_accepts_from_the_requests_list(client, listing, customer):
    series = weekly(listing, customer)
    client.force_login(listing.provider.user)

    page = client.get("/recurring/").content.decode()
    assert "data-series-requests" in page
    assert series.public_id in page
    detail = client.get(series.get_absolute_url()).content.decode()
    assert f"/recurring/{series.public_id}/accept/" in detail
    assert f"/recurring/{series.public_id}/decline/" in detail

    with after_commit():
        response = client.post(f"/recurring/{series.public_id}/accept/")
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.acceptance == SeriesAcceptance.STANDING
    detail = client.get(series.get_absolute_url()).content.decode()
    assert f"/recurring/{series.public_id}/withdraw-acceptance/" in detail


def test_web_the_wrong_users_change_nothing(client, listing, customer):
    series = weekly(listing, customer)

    client.force_login(make_user())
    for action in ("accept", "decline", "withdraw-acceptance"):
        response = client.post(f"/recurring/{series.public_id}/{action}/")
        assert response.status_code == 404

    client.force_login(customer)
    page = client.get(series.get_absolute_url()).content.decode()
    assert f"/recurring/{series.public_id}/accept/" not in page
    response = client.post(f"/recurring/{series.public_id}/accept/", follow=True)
    assert "Only the provider can do this." in response.content.decode()

    series.refresh_from_db()
    assert series.acceptance == SeriesAcceptance.PENDING
    assert _states(series) == [OrderState.REQUESTED] * 4
