"""The web pages: "Make it regular" from an order, the series page with its
visits and buttons, the provider's view, and 404 for anyone else."""

from datetime import timedelta

import pytest

from doorstep.recurring.models import Series, VisitStatus
from doorstep.recurring.tests.conftest import after_commit, today, weekly
from tests.factories import make_order, make_user

pytestmark = pytest.mark.django_db


def test_make_it_regular_from_an_order(client, listing, customer):
    order = make_order(listing=listing, customer=customer)
    client.force_login(customer)
    page = client.get(f"/recurring/new/?order={order.public_id}")
    assert page.status_code == 200
    assert listing.title in page.content.decode()
    from doorstep.payments.models import SavedPaymentMethod

    method = SavedPaymentMethod.objects.get(user=customer)
    with after_commit():
        response = client.post(
            "/recurring/new/",
            {
                "order": order.public_id,
                "cadence": "weekly",
                "start_date": (today() + timedelta(days=5)).isoformat(),
                "start_time": "14:00",
                "visit_count": "3",
                "address": order.address,
                "latitude": order.latitude,
                "longitude": order.longitude,
                "payment_method": method.public_id,
            },
        )
    series = Series.objects.get()
    assert response.status_code == 302
    assert response.url == series.get_absolute_url()
    assert series.visits.filter(status=VisitStatus.BOOKED).count() == 3
    page = client.get(series.get_absolute_url()).content.decode()
    assert "Skip this visit" in page


def test_a_refusal_shows_beside_the_field(client, listing, customer):
    client.force_login(customer)
    from doorstep.payments.models import SavedPaymentMethod

    method = SavedPaymentMethod.objects.get(user=customer)
    response = client.post(
        f"/recurring/new/?listing={listing.public_id}",
        {
            "listing": listing.public_id,
            "cadence": "weekly",
            "start_date": (today() - timedelta(days=5)).isoformat(),
            "start_time": "14:00",
            "visit_count": "3",
            "address": "x",
            "latitude": listing.latitude,
            "longitude": listing.longitude,
            "payment_method": method.public_id,
        },
    )
    assert response.status_code == 200
    assert "The first visit cannot be in the past." in response.content.decode()
    assert not Series.objects.exists()


def test_skip_and_pause_from_the_page_and_the_provider_sees_it(
    client, listing, customer
):
    series = weekly(listing, customer)
    visit = series.visits.order_by("occurrence").first()
    client.force_login(customer)
    with after_commit():
        client.post(f"/recurring/visits/{visit.public_id}/skip/")
        client.post(f"/recurring/{series.public_id}/pause/")
    visit.refresh_from_db()
    series.refresh_from_db()
    assert visit.status == VisitStatus.SKIPPED
    assert series.status == "paused"

    client.force_login(listing.provider.user)
    page = client.get("/recurring/").content.decode()
    assert series.public_id in page
    detail = client.get(series.get_absolute_url()).content.decode()
    assert "Propose a new price" in detail
    assert "Skip this visit" not in detail


def test_someone_else_gets_404(client, listing, customer):
    series = weekly(listing, customer)
    visit = series.visits.order_by("occurrence").first()
    client.force_login(make_user())
    assert client.get(series.get_absolute_url()).status_code == 404
    for action in ("pause", "resume", "end", "card", "price", "price-accept"):
        assert (
            client.post(f"/recurring/{series.public_id}/{action}/").status_code == 404
        )
    for action in ("skip", "move", "accept", "decline"):
        assert (
            client.post(f"/recurring/visits/{visit.public_id}/{action}/").status_code
            == 404
        )
    series.refresh_from_db()
    assert series.status == "active"


def test_the_order_page_offers_make_it_regular_and_links_visits(
    client, listing, customer
):
    from tests.factories import make_completed_order

    done = make_completed_order(listing=listing, customer=customer)
    client.force_login(customer)
    page = client.get(done.get_absolute_url()).content.decode()
    assert f"/recurring/new/?order={done.public_id}" in page

    # Clear of the order above (two days from now, whatever the hour): a first
    # visit at the same time would be a proposal, with no order yet.
    series = weekly(listing, customer, start_date=today() + timedelta(days=4))
    visit = series.visits.order_by("occurrence").first()
    page = client.get(visit.order.get_absolute_url()).content.decode()
    assert series.get_absolute_url() in page


def test_the_booking_page_offers_to_repeat(client, listing, customer):
    client.force_login(customer)
    page = client.get(f"/book/{listing.public_id}/")
    assert f"/recurring/new/?listing={listing.public_id}" in page.content.decode()


def test_the_series_page_shows_times_in_the_series_zone(client, listing, customer):
    series = weekly(listing, customer)
    client.force_login(customer)
    page = client.get(series.get_absolute_url()).content.decode()
    assert "10:00" in page.split("Upcoming visits", 1)[1]
