"""On a 375 px phone the signed-in pages fit the screen (no sideways scrolling):
the header, the wallet with its statement, the listing page — whose "Book"
button stays in reach at the bottom of the screen while the customer reads."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.payout_accounts import onboard_provider_in_sandbox
from tests.factories import make_category, make_listing, make_order, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
TILES = re.compile(r"tile\.openstreetmap\.org")


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_MIN_PAYOUT = 1000
    sandbox.clear_injected_failures()


def _phone(browser: Browser, live_server, user=None) -> Page:
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    return page


def _assert_fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def _paid_out_order():
    listing = make_listing(
        category=make_category("plumbing"), price=19_900, currency="CNY"
    )
    order = make_order(listing=listing)
    flows.authorise_order(order=order, payment_method="4242 4242 4242 4242")
    flows.capture_order(order=order)
    type(order).objects.filter(pk=order.pk).update(state="completed")
    order.state = "completed"
    flows.release_order(order=order)
    flows.clear_pending(now=timezone.now() + timedelta(days=30))
    onboard_provider_in_sandbox(provider=order.provider)
    return order


def test_the_signed_in_header_and_the_wallet_fit_a_phone(live_server, browser):
    # Given a provider with earnings, a payout and a statement
    order = _paid_out_order()
    provider = order.provider
    flows.request_payout(provider=provider, amount=2_000, currency="CNY")
    page = _phone(browser, live_server, provider.user)

    # When they open the home page and their wallet on a phone
    page.goto(live_server.url + "/")
    _assert_fits(page)
    page.goto(live_server.url + "/provider/wallet/")
    expect(page.get_by_role("heading", name="Wallet")).to_be_visible()
    expect(page.get_by_text(order.public_id).first).to_be_visible()

    # Then nothing is wider than the screen
    _assert_fits(page)


def test_the_listing_page_keeps_book_in_reach_on_a_phone(live_server, browser):
    # Given a published listing and a signed-in customer on a phone
    listing = make_listing(category=make_category("cleaning"))
    page = _phone(
        browser, live_server, make_user(name="Alexandra Papadopoulou-Whitfield")
    )

    # When they open the listing
    page.goto(f"{live_server.url}/services/{listing.public_id}/")
    _assert_fits(page)

    # Then a Book button sits at the bottom of the screen as they scroll
    sticky = page.locator("[data-sticky-book]")
    expect(sticky).to_be_visible()
    page.mouse.wheel(0, 1500)
    expect(sticky).to_be_in_viewport()
    box = sticky.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"] + 1
    sticky.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/book/"))
