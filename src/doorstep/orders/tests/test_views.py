"""The order screens: booking page (picker, price, submit), the customer's list,
the provider's inbox, the order page for each side, live updates, and the back
office — each tried by the wrong person too."""

import pytest
from django.urls import reverse

from doorstep.catalog.models import Listing, PricingModel
from doorstep.orders import queries
from doorstep.orders.models import Order, OrderPhoto
from doorstep.orders.services import transition_order
from doorstep.orders.tests.conftest import (
    add_on,
    at,
    book_and_pay,
    booking,
    day_ahead,
    photo_upload,
)
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import (
    make_listing,
    make_ops,
    make_provider,
    make_user,
    sign_in_ops,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(listing, customer):
    return book_and_pay(**booking(listing, customer))


def _book_url(listing):
    return reverse("orders:book", args=[listing.public_id])


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


# --- Booking page -------------------------------------------------------------------


def test_booking_needs_a_signed_in_customer(client, listing):
    response = client.get(_book_url(listing))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_the_booking_page_offers_days_times_and_the_price(client, listing, customer):
    add_on(listing, "Inside the fridge", 5000, minutes=30)
    client.force_login(customer)

    response = client.get(_book_url(listing), {"tz": "Asia/Shanghai"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="date"' in html
    assert 'name="starts_at"' in html
    assert "Inside the fridge" in html
    assert "CN¥100.00" in html
    assert "Request to book" in html
    assert "data-map-pin" in html
    assert "Asia/Shanghai" in html


def test_picking_a_day_loads_its_times(client, listing, customer):
    client.force_login(customer)

    response = client.get(
        reverse("orders:booking_slots", args=[listing.public_id]),
        {"date": day_ahead(3).isoformat(), "tz": "Asia/Shanghai"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{at("09:00", days=3).isoformat()}"' in html
    assert f'value="{at("15:00", days=3).isoformat()}"' in html
    assert f'value="{at("15:30", days=3).isoformat()}"' not in html  # 2 h job


def test_times_in_the_customers_zone_with_the_providers_below(
    client, listing, customer
):
    client.force_login(customer)

    response = client.get(
        reverse("orders:booking_slots", args=[listing.public_id]),
        {"date": day_ahead(3).isoformat(), "tz": "Asia/Tokyo"},
    )

    html = response.content.decode()
    assert "Asia/Tokyo" in html
    assert "The provider works in Asia/Shanghai" in html
    # 10:00 in Tokyo is 09:00 in Shanghai
    assert '<span class="slot-chip__time">10:00</span>' in html
    assert '<span class="slot-chip__other">09:00</span>' in html


def test_the_price_is_recalculated_on_the_server(client, customer):
    listing = bookable_listing(pricing_model=PricingModel.HOURLY, min_hours=2)
    fridge = add_on(listing, "Inside the fridge", 5000)
    client.force_login(customer)

    response = client.get(
        reverse("orders:booking_price", args=[listing.public_id]),
        {"hours": "3", "add_ons": [fridge.public_id]},
    )

    html = response.content.decode()
    assert "CN¥350.00" not in html  # the lines' sum is not what the card is held for
    assert "CN¥17.50" in html  # the 5% service fee, shown before booking
    assert 'data-price-total="36750">CN¥367.50' in html
    assert "3 × CN¥100.00" in html


def test_booking_from_the_page_leads_to_the_order(client, listing, customer):
    client.force_login(customer)

    response = client.post(_book_url(listing), _form(listing))

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:pay", args=[order.public_id])
    assert order.customer == customer
    assert order.idempotency_key == "form-key-1"
    assert order.state == "awaiting_payment"


def test_a_double_submit_books_once(client, listing, customer):
    client.force_login(customer)

    client.post(_book_url(listing), _form(listing))
    again = client.post(_book_url(listing), _form(listing))

    assert again.status_code == 302
    assert Order.objects.count() == 1


def test_a_taken_time_goes_back_to_the_picker_with_the_reason(
    client, listing, customer
):
    book_and_pay(**booking(listing, make_user()))
    client.force_login(customer)

    response = client.post(_book_url(listing), _form(listing))

    assert response.status_code == 409
    html = response.content.decode()
    assert "This time is no longer available." in html
    assert 'id="slot-picker"' in html
    assert Order.objects.count() == 1


def test_no_time_picked(client, listing, customer):
    client.force_login(customer)

    response = client.post(_book_url(listing), _form(listing, starts_at=""))

    assert response.status_code == 400
    assert "Pick a time." in response.content.decode()
    assert not Order.objects.exists()


def test_no_address(client, listing, customer):
    client.force_login(customer)

    response = client.post(_book_url(listing), _form(listing, address=""))

    assert response.status_code == 400
    assert "Tell the provider where to come." in response.content.decode()


def test_own_and_quote_listings_go_back_to_the_listing(client, listing, customer):
    client.force_login(listing.provider.user)
    own = client.get(_book_url(listing))
    assert own.status_code == 302

    quote = make_listing(pricing_model=PricingModel.QUOTE)
    client.force_login(customer)
    response = client.get(_book_url(quote))
    assert response.status_code == 302
    assert response.url == reverse("catalog:listing", args=[quote.public_id])


def test_a_paused_listing_cannot_be_opened_for_booking(client, listing, customer):
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PAUSED)
    client.force_login(customer)
    assert client.get(_book_url(listing)).status_code == 404


def test_the_listing_page_links_to_booking(client, listing, customer):
    client.force_login(customer)

    html = client.get(reverse("catalog:listing", args=[listing.public_id])).content
    assert _book_url(listing).encode() in html


# --- The customer's and the provider's lists ----------------------------------------


def test_my_orders_upcoming_and_past(client, listing, customer):
    upcoming = book_and_pay(**booking(listing, customer))
    past = book_and_pay(**booking(listing, customer, starts_at=at("14:00")))
    transition_order(order=past, name="cancel", user=customer)
    client.force_login(customer)

    response = client.get(reverse("orders:mine"))

    html = response.content.decode()
    assert html.index(upcoming.public_id) < html.index("Past")
    assert html.index(past.public_id) > html.index("Past")
    assert 'data-order-state="cancelled"' in html


def test_the_inbox_shows_requests_with_the_time_left(client, order):
    client.force_login(order.provider.user)

    response = client.get(reverse("orders:inbox"))

    html = response.content.decode()
    assert order.public_id in html
    assert "left to answer" in html
    assert reverse("orders:transition", args=[order.public_id, "accept"]) in html


def test_accepting_from_the_inbox_returns_to_it(client, order):
    client.force_login(order.provider.user)

    response = client.post(
        reverse("orders:transition", args=[order.public_id, "accept"]),
        {"expected_state": "requested", "next": reverse("orders:inbox")},
    )

    assert response.url == reverse("orders:inbox")
    order.refresh_from_db()
    assert order.state == "accepted"


def test_the_inbox_is_for_providers(client, customer):
    client.force_login(customer)
    assert client.get(reverse("orders:inbox")).status_code == 302


# --- One order ----------------------------------------------------------------------


def test_the_customer_sees_the_start_code_once_accepted(client, order):
    transition_order(order=order, name="accept", user=order.provider.user)
    client.force_login(order.customer)

    html = client.get(order.get_absolute_url()).content.decode()

    assert f"data-start-code>{order.start_code}<" in html
    assert 'hx-trigger="every 10s"' in html


@pytest.mark.usefixtures("early_start_allowed")
def test_the_provider_never_sees_the_start_code(client, order):
    transition_order(order=order, name="accept", user=order.provider.user)
    client.force_login(order.provider.user)

    html = client.get(order.get_absolute_url()).content.decode()

    assert "data-start-code" not in html
    assert "Start code" in html  # the field to type it into


def test_strangers_get_404_on_every_order_page(client, order):
    proposal_url = reverse(
        "orders:reschedule_answer", args=[order.public_id, "rsc_nothing"]
    )
    for stranger in (make_user(), make_provider().user, make_user(is_staff=True)):
        client.force_login(stranger)
        assert client.get(order.get_absolute_url()).status_code == 404
        assert (
            client.get(reverse("orders:live", args=[order.public_id])).status_code
            == 404
        )
        for url in (
            reverse("orders:transition", args=[order.public_id, "cancel"]),
            reverse("orders:reschedule", args=[order.public_id]),
            proposal_url,
        ):
            assert (
                client.post(url, {"starts_at": at("14:00").isoformat()}).status_code
                == 404
            )
    order.refresh_from_db()
    assert order.state == "requested"


def test_polling_answers_204_until_something_changes(client, order):
    client.force_login(order.customer)
    url = reverse("orders:live", args=[order.public_id])
    version = queries.version_of(order)

    assert client.get(url, {"v": version}).status_code == 204
    transition_order(order=order, name="accept", user=order.provider.user)
    changed = client.get(url, {"v": version})

    assert changed.status_code == 200
    assert 'data-order-state="accepted"' in changed.content.decode()


@pytest.mark.usefixtures("early_start_allowed")
def test_a_wrong_start_code_shows_beside_the_field(client, order):
    provider = order.provider.user
    transition_order(order=order, name="accept", user=provider)
    client.force_login(provider)
    wrong = "0000" if order.start_code != "0000" else "1111"

    response = client.post(
        reverse("orders:transition", args=[order.public_id, "start"]),
        {"start-start_code": wrong, "expected_state": "accepted"},
    )

    assert response.status_code == 422
    assert "That start code is not right." in response.content.decode()
    order.refresh_from_db()
    assert order.state == "accepted"


@pytest.mark.usefixtures("early_start_allowed")
def test_delivering_with_photos_from_the_page(client, order):
    provider = order.provider.user
    transition_order(order=order, name="accept", user=provider)
    transition_order(
        order=order, name="start", user=provider, data={"start_code": order.start_code}
    )
    client.force_login(provider)

    response = client.post(
        reverse("orders:transition", args=[order.public_id, "deliver"]),
        {"deliver-photos": [photo_upload("a.jpg"), photo_upload("b.png")]},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "delivered"
    assert OrderPhoto.objects.filter(order=order).count() == 2
    client.force_login(order.customer)
    assert "Photos of the work" in client.get(order.get_absolute_url()).content.decode()


def test_a_double_click_on_the_page_is_a_message_not_an_error(client, order):
    client.force_login(order.provider.user)
    url = reverse("orders:transition", args=[order.public_id, "accept"])

    client.post(url, {"expected_state": "requested"})
    again = client.post(url, {"expected_state": "requested"}, follow=True)

    assert "This order has changed in the meantime." in again.content.decode()
    assert order.events.filter(transition="accept").count() == 1


def test_the_late_cancellation_fee_is_shown_before_confirming(
    client, settings, customer
):
    listing = bookable_listing(duration=60)
    order = book_and_pay(**booking(listing, customer, starts_at=at("10:00", days=1)))
    transition_order(order=order, name="accept", user=order.provider.user)
    settings.DOORSTEP_CANCELLATION_FREE_HOURS = 72
    client.force_login(customer)

    html = client.get(order.get_absolute_url()).content.decode()

    assert "cancelling now costs CN¥20.00" in html
    assert "Cancel and pay CN¥20.00" in html


def test_reschedule_from_the_page(client, order):
    client.force_login(order.customer)
    response = client.post(
        reverse("orders:reschedule", args=[order.public_id]),
        {"starts_at": at("14:00").isoformat()},
    )
    assert response.status_code == 302
    proposal = order.reschedule_requests.get()

    client.force_login(order.provider.user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "The customer asks to move the job to" in page
    client.post(
        reverse("orders:reschedule_answer", args=[order.public_id, proposal.public_id]),
        {"answer": "accept"},
    )

    order.refresh_from_db()
    assert order.starts_at == at("14:00")


def test_a_bad_new_time_shows_beside_the_picker(client, order):
    client.force_login(order.customer)

    response = client.post(
        reverse("orders:reschedule", args=[order.public_id]),
        {"starts_at": at("20:00").isoformat()},
    )

    assert response.status_code == 422
    assert "not one of the provider&#x27;s available times" in response.content.decode()


# --- Back office --------------------------------------------------------------------


def _ops(client, *, mfa: bool = True):
    user = make_ops("Support")
    sign_in_ops(client, user, second_factor=mfa)
    return user


def test_ops_pages_do_not_exist_for_others(client, order):
    urls = [
        reverse("orders:ops_list"),
        reverse("orders:ops_detail", args=[order.public_id]),
    ]
    for user in (order.customer, make_user(is_staff=True)):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404
    _ops(client, mfa=False)
    assert client.get(urls[0]).status_code == 404
    cancel = reverse("orders:ops_transition", args=[order.public_id, "cancel"])
    assert client.post(cancel).status_code == 404
    order.refresh_from_db()
    assert order.state == "requested"


def test_ops_see_any_order_with_history_timers_and_the_diagram(client, order):
    _ops(client)

    listing = client.get(reverse("orders:ops_list"), {"state": "requested"})
    detail = client.get(reverse("orders:ops_detail", args=[order.public_id]))

    assert order.public_id in listing.content.decode()
    html = detail.content.decode()
    assert "expire_request" in html
    assert "stateDiagram-v2" in html
    assert "requested --&gt; accepted: accept (provider)" in html


def test_ops_start_a_job_without_the_code(client, order):
    transition_order(order=order, name="accept", user=order.provider.user)
    _ops(client)

    client.post(
        reverse("orders:ops_transition", args=[order.public_id, "start"]),
        {"expected_state": "accepted"},
    )

    order.refresh_from_db()
    assert order.state == "in_service"
    event = order.events.get(transition="start")
    assert event.actor == "ops"
    assert event.data == {"override": True}


@pytest.mark.usefixtures("early_start_allowed")
def test_ops_resolve_a_dispute(client, order):
    provider = order.provider.user
    transition_order(order=order, name="accept", user=provider)
    transition_order(
        order=order, name="start", user=provider, data={"start_code": order.start_code}
    )
    transition_order(order=order, name="deliver", user=provider)
    # Reported before disputes had evidence: ops end it by hand.
    Order.objects.filter(pk=order.pk).update(state="disputed")
    _ops(client)

    client.post(
        reverse("orders:ops_transition", args=[order.public_id, "resolve_refund"]),
        {"reason": "Photos show the kitchen untouched"},
    )

    order.refresh_from_db()
    assert order.state == "refunded"


def test_ops_filters_by_state(client, listing, customer):
    kept = book_and_pay(**booking(listing, customer))
    gone = book_and_pay(**booking(listing, customer, starts_at=at("14:00")))
    transition_order(order=gone, name="cancel", user=customer)
    _ops(client)

    html = client.get(
        reverse("orders:ops_list"), {"state": "cancelled"}
    ).content.decode()

    assert gone.public_id in html
    assert kept.public_id not in html


def test_the_booking_page_speaks_chinese(client, listing, customer):
    client.force_login(customer)
    client.cookies["django_language"] = "zh-hans"

    html = client.get(_book_url(listing), {"tz": "Asia/Shanghai"}).content.decode()

    assert "申请预约" in html
    assert "什么时候？" in html


def test_a_declined_card_keeps_the_order_waiting_for_another_card(
    client, listing, customer
):
    from doorstep.scheduling.models import TimeClaim

    # given a booking sent to the sandbox's hosted card page
    client.force_login(customer)
    to_pay = client.post(_book_url(listing), _form(listing))
    hosted = client.get(to_pay.url).url

    # when the card is declined there
    declined = client.post(hosted, {"card": "4000 0000 0000 0002"})

    # then the gateway's page says so and the order keeps its time, unpaid
    assert declined.status_code == 402
    assert "Your card was declined" in declined.content.decode()
    order = Order.objects.get()
    assert order.state == "awaiting_payment"
    assert TimeClaim.objects.filter(order=order, released_at=None).exists()
    back = client.get(reverse("orders:payment_return", args=[order.public_id]))
    assert back.url == order.get_absolute_url()
    page = client.get(back.url).content.decode()
    assert "The payment was not completed" in page

    # and another card books it
    paid = client.post(hosted, {"card": "4242 4242 4242 4242"})
    client.get(paid.url)
    order.refresh_from_db()
    assert order.state == "requested"
