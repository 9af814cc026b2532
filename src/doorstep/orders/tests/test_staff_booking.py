"""Booking an agency's listing: a chosen staff member or any, the claim on their
calendar, holds, reschedules, who sees the order, and the API's fields."""

import json

import pytest
from django.urls import reverse

from doorstep.accounts.models import StaffMember
from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.orders.models import Order
from doorstep.orders.queries import access_order, api_orders, listing_staff
from doorstep.orders.services import hold_slot, place_order
from doorstep.orders.tests.conftest import at, book_and_pay, booking
from doorstep.scheduling.models import TimeClaim
from doorstep.scheduling.tests.helpers import agency_listing, staff_claim
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staffed():
    return agency_listing(staff=2, duration=120)


def _claims(order: Order) -> list[int]:
    return list(
        TimeClaim.objects.filter(order=order, released_at__isnull=True).values_list(
            "staff_key", flat=True
        )
    )


# --- The service --------------------------------------------------------------------


def test_a_chosen_staff_member_is_booked_on_their_calendar(staffed, customer):
    listing, (_first, second) = staffed

    order = place_order(**booking(listing, customer, staff_id=second.public_id))

    assert order.staff == second
    assert _claims(order) == [second.pk]


def test_any_books_the_least_busy_then_the_next_then_refuses(staffed):
    # given two staff members free at 10:00
    listing, (first, second) = staffed

    # when three customers book 10:00 without choosing
    one = place_order(**booking(listing, make_user()))
    two = place_order(**booking(listing, make_user()))
    with pytest.raises(Conflict) as third:
        place_order(**booking(listing, make_user()))

    # then each member has one job and the third hears the time is taken
    assert (one.staff, two.staff) == (first, second)
    assert third.value.code == "slot_taken"
    assert Order.objects.count() == 2


def test_any_prefers_whoever_has_fewer_jobs_that_day(staffed, customer):
    listing, (_first, second) = staffed
    place_order(**booking(listing, make_user(), starts_at=at("14:00")))

    order = place_order(**booking(listing, customer))

    assert order.staff == second


def test_a_chosen_member_who_is_taken_is_refused_though_another_is_free(
    staffed, customer
):
    listing, (first, _second) = staffed
    staff_claim(listing, first, at("10:00"), 120)

    with pytest.raises(Conflict) as taken:
        place_order(**booking(listing, customer, staff_id=first.public_id))

    assert taken.value.code == "slot_taken"
    assert not Order.objects.exists()


def test_another_agencys_member_or_a_made_up_id_is_refused_alike(staffed, customer):
    listing, _members = staffed
    _other, (stranger,) = agency_listing(staff=1)

    for staff_id in (stranger.public_id, "stf_nobody"):
        with pytest.raises(DomainError) as refused:
            place_order(**booking(listing, customer, staff_id=staff_id))
        assert refused.value.code == "staff_not_serving"
    assert not Order.objects.exists()


def test_an_individual_providers_listing_takes_no_staff(listing, customer):
    _agency_listing, (member, _second) = agency_listing()

    with pytest.raises(DomainError) as refused:
        place_order(**booking(listing, customer, staff_id=member.public_id))

    assert refused.value.code == "staff_not_serving"
    order = place_order(**booking(listing, customer))
    assert order.staff is None
    assert _claims(order) == [0]


def test_a_hold_for_any_books_the_member_it_held(staffed, customer):
    listing, (first, second) = staffed
    staff_claim(listing, first, at("10:00"), 120)

    hold = hold_slot(
        customer=customer, listing_id=listing.public_id, starts_at=at("10:00")
    )
    order = place_order(**booking(listing, customer, hold_token=hold.hold_token))

    assert hold.staff_key == second.pk
    assert order.staff == second
    assert _claims(order) == [second.pk]


def test_a_hold_on_one_member_does_not_book_another(staffed, customer):
    listing, (first, second) = staffed
    hold = hold_slot(
        customer=customer,
        listing_id=listing.public_id,
        starts_at=at("10:00"),
        staff_id=first.public_id,
    )

    with pytest.raises(Conflict) as mismatch:
        place_order(
            **booking(
                listing,
                customer,
                hold_token=hold.hold_token,
                staff_id=second.public_id,
            )
        )

    assert mismatch.value.code == "hold_mismatch"


def test_the_same_key_with_another_staff_member_is_a_different_booking(
    staffed, customer
):
    listing, (first, second) = staffed
    place_order(
        **booking(listing, customer, staff_id=first.public_id, idempotency_key="k")
    )

    with pytest.raises(DomainError) as mismatch:
        place_order(
            **booking(listing, customer, staff_id=second.public_id, idempotency_key="k")
        )

    assert mismatch.value.code == "idempotency_mismatch"


# --- Who sees the order -------------------------------------------------------------


def test_the_member_sent_and_the_agencys_managers_see_it_other_staff_do_not(
    staffed, customer
):
    # given a paid order served by the first member
    listing, (first, second) = staffed
    order = book_and_pay(**booking(listing, customer, staff_id=first.public_id))
    manager = StaffMember.objects.create(
        agency=first.agency,
        user=make_user(),
        display_name="Mia Manager",
        role=StaffMember.Role.MANAGER,
    )
    _other, (stranger,) = agency_listing(staff=1)

    # then the member, the manager and the owner see it as the provider
    for user in (first.user, manager.user, listing.provider.user):
        assert access_order(user, order.public_id, as_role="provider") == order
        assert list(api_orders(user, role="provider", state=None)) == [order]
    # and the second member and another agency's staff do not
    for user in (second.user, stranger.user):
        assert list(api_orders(user, role=None, state=None)) == []
        with pytest.raises(NotFound) as hidden:
            access_order(user, order.public_id)
        assert hidden.value.code == "order_not_found"


def test_an_unpaid_order_is_not_the_staff_members_business(staffed, customer):
    listing, (first, _second) = staffed
    order = place_order(**booking(listing, customer, staff_id=first.public_id))

    assert list(api_orders(first.user, role="provider", state=None)) == []
    assert order.state == "awaiting_payment"


def test_the_listings_staff_cards_show_name_initials_and_languages(staffed):
    listing, (first, second) = staffed

    cards = listing_staff(listing)

    assert [card.public_id for card in cards] == [first.public_id, second.public_id]
    assert cards[0].initials == "S1"
    assert cards[0].languages == ["zh"]
    assert cards[0].rating is None


# --- The API ------------------------------------------------------------------------


def _post(client, path, body, user):
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type=JSON, **bearer(user)
    )


def _body(listing, **overrides):
    body = {
        "listing_id": listing.public_id,
        "starts_at": at("10:00").isoformat(),
        "address": "88 Huaihai Road",
        "latitude": listing.latitude,
        "longitude": listing.longitude,
    }
    body.update(overrides)
    return body


def test_the_api_books_a_chosen_member_and_names_them_to_the_customer(
    client, staffed, customer
):
    listing, (_first, second) = staffed

    response = _post(
        client, "/orders", _body(listing, staff_id=second.public_id), customer
    )

    assert response.status_code == 201, response.content
    assert response.json()["staff_id"] == second.public_id
    assert response.json()["staff_name"] == "Staff 2"


def test_the_api_refuses_a_member_of_another_agency(client, staffed, customer):
    listing, _members = staffed
    _other, (stranger,) = agency_listing(staff=1)

    response = _post(
        client, "/orders", _body(listing, staff_id=stranger.public_id), customer
    )

    assert_problem(response, 422, "staff_not_serving")
    assert not Order.objects.exists()


def test_the_api_holds_on_a_members_calendar(client, staffed, customer):
    listing, (first, _second) = staffed
    body = _body(listing, staff_id=first.public_id)
    del body["address"], body["latitude"], body["longitude"]

    response = _post(client, "/orders/holds", body, customer)

    assert response.status_code == 201, response.content
    assert response.json()["staff_id"] == first.public_id


def test_the_api_lists_the_serving_staff_and_their_slots(client, staffed):
    listing, (first, _second) = staffed
    staff_claim(listing, first, at("10:00"), 120)
    day = at("10:00").date().isoformat()

    staff = client.get(f"{API}/services/{listing.public_id}/staff")
    mine = client.get(
        f"{API}/services/{listing.public_id}/slots",
        {"from": day, "to": day, "staff_id": first.public_id},
    )
    anyone = client.get(
        f"{API}/services/{listing.public_id}/slots", {"from": day, "to": day}
    )
    stranger = client.get(
        f"{API}/services/{listing.public_id}/slots",
        {"from": day, "to": day, "staff_id": "stf_nobody"},
    )

    assert [row["display_name"] for row in staff.json()] == ["Staff 1", "Staff 2"]
    starts = [slot["starts_at"][11:16] for slot in mine.json()["slots"]]
    assert "10:00" not in starts
    assert "10:00" in [slot["starts_at"][11:16] for slot in anyone.json()["slots"]]
    assert_problem(stranger, 422, "staff_not_serving")


# --- The web pages ------------------------------------------------------------------


def _form(listing, **overrides):
    data = {
        "starts_at": at("10:00").isoformat(),
        "address": "88 Huaihai Road",
        "latitude": f"{listing.latitude:.6f}",
        "longitude": f"{listing.longitude:.6f}",
        "notes": "",
        "idempotency_key": "form-key-1",
        "tz": "Asia/Shanghai",
    }
    data.update(overrides)
    return data


def test_the_listing_and_booking_pages_offer_the_staff_and_any(
    client, staffed, customer
):
    listing, (_first, second) = staffed
    client.force_login(customer)

    page = client.get(reverse("catalog:listing", args=[listing.public_id]))
    book = client.get(reverse("orders:book", args=[listing.public_id]))

    for response in (page, book):
        html = response.content.decode()
        assert "Staff 1" in html
        assert "Staff 2" in html
    assert "Any available" in book.content.decode()
    assert f'value="{second.public_id}"' in book.content.decode()


def test_the_slot_picker_shows_the_chosen_members_times(client, staffed, customer):
    listing, (first, _second) = staffed
    staff_claim(listing, first, at("10:00"), 120)
    client.force_login(customer)
    url = reverse("orders:booking_slots", args=[listing.public_id])
    day = at("10:00").date().isoformat()

    theirs = client.get(
        url, {"date": day, "staff": first.public_id, "tz": "Asia/Shanghai"}
    )
    anyone = client.get(url, {"date": day, "tz": "Asia/Shanghai"})

    assert at("10:00").isoformat() not in theirs.content.decode()
    assert at("10:00").isoformat() in anyone.content.decode()


def test_booking_a_member_from_the_page_names_them_on_the_order(
    client, staffed, customer
):
    listing, (_first, second) = staffed
    client.force_login(customer)

    response = client.post(
        reverse("orders:book", args=[listing.public_id]),
        _form(listing, staff=second.public_id),
    )
    order = Order.objects.get()
    detail = client.get(reverse("orders:detail", args=[order.public_id]))

    assert response.status_code == 302
    assert order.staff == second
    assert "Staff 2" in detail.content.decode()


def test_a_member_of_another_agency_is_refused_beside_the_field(
    client, staffed, customer
):
    listing, _members = staffed
    _other, (stranger,) = agency_listing(staff=1)
    client.force_login(customer)

    response = client.post(
        reverse("orders:book", args=[listing.public_id]),
        _form(listing, staff=stranger.public_id),
    )

    assert response.status_code == 400
    assert not Order.objects.exists()
