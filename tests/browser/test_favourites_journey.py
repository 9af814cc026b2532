"""A customer saves a cleaning service with the heart, finds it on the Saved
page, and books it again from a past order: the booking page opens filled in
as that order was (address, add-on, notes), they pick a time and are sent to
pay — the normal booking flow, in a real Chromium against a live server."""

import re
from datetime import time, timedelta

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Page, expect

from doorstep.catalog import services as catalog
from doorstep.orders.models import Order
from doorstep.scheduling.services import WeeklyHours, replace_availability
from tests.factories import (
    make_category,
    make_completed_order,
    make_listing,
    make_provider,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"


def _person(email: str, name: str):
    user = make_user(email=email, name=name, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _seed():
    mei = make_provider(
        user=_person("mei@example.com", "Mei Chen"),
        display_name="Mei Chen",
        verified=True,
        time_zone="Asia/Shanghai",
    )
    replace_availability(
        provider=mei,
        rules=[WeeklyHours(day, time(9), time(18)) for day in range(7)],
        policy={"min_lead_minutes": 120},
    )
    listing = make_listing(
        provider=mei,
        category=make_category("deep-cleaning", name_en="Deep cleaning"),
        title="Deep cleaning, one-bedroom flat",
        price=19900,
        duration_minutes=180,
    )
    catalog.add_listing_add_on(
        actor=mei.user,
        listing_id=listing.public_id,
        name="Inside the fridge",
        price_amount=5000,
        extra_minutes=30,
    )
    cora = _person("cora@example.com", "Cora Lin")
    order = make_completed_order(
        listing=listing, customer=cora, starts_in=timedelta(days=-10)
    )
    Order.objects.filter(pk=order.pk).update(
        address="Room 1203, 88 Huaihai Road", notes="The cat is friendly."
    )
    order.lines.create(
        kind="add_on",
        description="Inside the fridge",
        unit_amount=5000,
        quantity=1,
        amount=5000,
    )
    return listing, order


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_a_customer_saves_a_service_and_books_it_again(
    live_server, browser: Browser, artifacts_dir
):
    listing, order = _seed()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id="Asia/Shanghai",
        locale="en-US",
    )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    # Given a signed-in customer on a service's page
    _sign_in(page, live_server.url, "cora@example.com")
    page.goto(f"{live_server.url}/services/{listing.public_id}/")
    page.wait_for_load_state("load")

    # When they press Save, the heart turns to Saved in place
    page.locator(".listing-save [data-heart]").click()
    expect(page.locator(".listing-save [data-heart]")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Then the service is on their Saved page, with a way to book it again
    page.goto(f"{live_server.url}/saved/")
    saved = page.locator(f'[data-saved-listing="{listing.public_id}"]')
    expect(saved).to_contain_text(listing.title)
    expect(saved.locator("[data-book-again]")).to_be_visible()

    # When they book again from the past order in their orders
    page.goto(f"{live_server.url}/orders/")
    page.locator(f'a[href="/orders/{order.public_id}/again/"]').first.click()

    # Then the booking page is filled in as that order was
    expect(page.get_by_role("heading", level=1)).to_have_text("Request to book")
    expect(page.get_by_label("Address")).to_have_value("Room 1203, 88 Huaihai Road")
    expect(page.get_by_label("Notes for the provider")).to_have_value(
        "The cat is friendly."
    )
    expect(page.get_by_label(re.compile("Inside the fridge"))).to_be_checked()
    page.screenshot(path=artifacts_dir / "book-again.png", full_page=True)

    # and they pick a time and book through the normal flow, to the payment page
    page.wait_for_load_state("load")
    # (the picker opens on the first day with free times)
    page.locator("input[name=starts_at]").first.check()
    page.get_by_role("button", name="Request to book").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox payment page")
    assert Order.objects.filter(customer=order.customer).count() == 2
    assert problems == []
