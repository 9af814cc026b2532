"""A customer books a deep clean; the provider accepts it in their inbox, starts
the job with the customer's start code and delivers it; the customer confirms —
and the customer's order page follows every step on its own (htmx polling), in a
real Chromium against a live server, with no map tiles (there is no internet).
"""

import re
from datetime import datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from doorstep.catalog import services as catalog
from doorstep.catalog.models import Listing
from doorstep.scheduling.services import WeeklyHours, replace_availability
from tests.factories import make_category, make_listing, make_provider, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"
# The order page asks the server every 10 s; allow for one round and a bit.
POLL = 15_000


@pytest.fixture(autouse=True)
def _deferred_tasks(settings, tmp_path):
    # Timers are tasks due later: the database backend keeps them for a worker
    # (the immediate test backend cannot). Uploads go to a private folder.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _start_window_days_wide(settings):
    # The journey books days ahead and does the job at once, so this site opens
    # the start window that wide (production: an hour before the start).
    settings.DOORSTEP_START_WINDOW_MINUTES = 7 * 24 * 60


def _person(email: str, name: str, **fields):
    user = make_user(email=email, name=name, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _seed() -> dict:
    mei = make_provider(
        user=_person("mei@example.com", "Mei Chen"),
        display_name="Mei Chen",
        verified=True,
        time_zone="Asia/Shanghai",
    )
    replace_availability(
        provider=mei,
        rules=[WeeklyHours(day, time(9), time(18)) for day in range(7)],
        policy={"min_lead_minutes": 120, "buffer_after_minutes": 30},
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
    customer = _person("cora@example.com", "Cora Lin")
    return {"listing": listing, "customer": customer, "provider": mei.user}


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _watch_for_errors(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))

    def console(message) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "") if message.location else ""
        if TILES.search(location) or "Failed to load resource" in message.text:
            return
        problems.append(f"console: {message.text}")

    page.on("console", console)
    return problems


def _new_page(browser: Browser) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id="Asia/Shanghai",
        locale="en-US",
    )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    return page, _watch_for_errors(page)


def _photo() -> dict:
    buffer = BytesIO()
    Image.new("RGB", (800, 600), "#e0f2fe").save(buffer, "JPEG")
    return {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_a_customer_books_and_the_provider_does_the_job(
    live_server, browser: Browser, artifacts_dir
):
    data = _seed()
    listing: Listing = data["listing"]
    day = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=2)
    start = datetime.combine(day, datetime.min.time()).replace(hour=10, tzinfo=SHANGHAI)

    # Given a signed-in customer on the service's page
    customer, customer_problems = _new_page(browser)
    _sign_in(customer, live_server.url, "cora@example.com")
    customer.goto(f"{live_server.url}/services/{listing.public_id}/")

    # When they ask to book it
    customer.get_by_role("link", name="Request to book").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Request to book")
    # the price with its 5% service fee: what the card will be held for
    expect(customer.locator("[data-price-total]")).to_have_text("CN¥208.95")

    # and pick a day (its times load in place) and a time
    # htmx wires the picker when the page has loaded; a click before that
    # changes the radio without asking the server for the day's times.
    customer.wait_for_load_state("load")
    customer.locator(f'input[name=date][value="{day.isoformat()}"]').check()
    slot = customer.locator(f'input[name=starts_at][value="{start.isoformat()}"]')
    expect(slot).to_have_count(1)
    slot.check()
    # an add-on changes the price, computed by the server
    customer.get_by_label(re.compile("Inside the fridge")).check()
    expect(customer.locator("[data-price-total]")).to_have_text("CN¥261.45")
    customer.get_by_label("Address").fill("Room 1203, 88 Huaihai Road")
    expect(customer.locator("#booking-map .leaflet-marker-icon")).to_have_count(1)
    # the fridge made the job longer: the picker reloaded; pick the time again
    customer.locator(f'input[name=starts_at][value="{start.isoformat()}"]').check()
    customer.get_by_label("Notes for the provider").fill("The cat is friendly.")
    customer.evaluate("window.scrollTo(0, 0)")
    customer.screenshot(path=artifacts_dir / "booking-page.png", full_page=True)
    customer.get_by_role("button", name="Request to book").click()

    # and pay on the gateway's hosted page with a card its bank challenges
    expect(customer.get_by_role("heading", level=1)).to_have_text(
        "Sandbox payment page"
    )
    customer.get_by_label("Card number").fill("4000 0027 6000 3184")
    customer.get_by_role("button", name="Pay").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Sandbox card check")
    customer.get_by_role("button", name="Complete authentication").click()

    # Then they are on their order, waiting for the provider
    expect(customer.get_by_role("heading", level=1)).to_have_text(listing.title)
    expect(customer.locator(".order-head [data-order-state]")).to_have_text(
        "Waiting for the provider"
    )
    order_url = customer.url
    customer.evaluate("window.__sameDocument = true")

    # When the provider, in their own browser, opens the inbox and accepts
    provider, provider_problems = _new_page(browser)
    _sign_in(provider, live_server.url, "mei@example.com")
    provider.goto(f"{live_server.url}/provider/orders/")
    request = provider.locator(".order-request")
    expect(request).to_contain_text(listing.title)
    expect(request).to_contain_text("Room 1203, 88 Huaihai Road")
    expect(request).to_contain_text("left to answer")
    provider.screenshot(path=artifacts_dir / "provider-inbox.png", full_page=True)
    request.get_by_role("button", name="Accept").click()
    expect(provider.locator(".messages")).to_contain_text("Confirmed")
    expect(provider.get_by_text("No requests waiting.")).to_be_visible()

    # Then the customer's page shows the start code without being reloaded
    code = customer.locator("[data-start-code]")
    expect(code).to_have_text(re.compile(r"^\d{4}$"), timeout=POLL)
    start_code = code.inner_text()
    expect(customer.locator(".order-head [data-order-state]")).to_have_text("Confirmed")
    customer.evaluate("window.scrollTo(0, 0)")
    customer.screenshot(path=artifacts_dir / "customer-order.png", full_page=True)

    # When the provider arrives, starts with the code and delivers with a photo
    provider.goto(order_url)
    provider.get_by_label("Start code").fill(start_code)
    provider.get_by_role("button", name="Start the job").click()
    expect(provider.locator(".order-head [data-order-state]")).to_have_text(
        "In service"
    )
    provider.get_by_label("Before and after photos").set_input_files(_photo())
    provider.get_by_role("button", name="Mark as done").click()
    expect(provider.locator(".order-head [data-order-state]")).to_have_text("Delivered")

    # Then the customer's page follows, and they confirm from a second tab
    expect(customer.locator(".order-head [data-order-state]")).to_have_text(
        "Delivered", timeout=POLL
    )
    expect(customer.get_by_text("Photos of the work")).to_be_visible()
    second = customer.context.new_page()
    second.goto(order_url)
    second.get_by_role("button", name="Confirm it's done").click()
    expect(second.locator(".order-head [data-order-state]")).to_have_text("Completed")

    # and the first tab shows "Completed" on its own
    expect(customer.locator(".order-head [data-order-state]")).to_have_text(
        "Completed", timeout=POLL
    )
    assert customer.evaluate("window.__sameDocument") is True
    timeline = customer.locator(".timeline")
    for step in (
        "Booking started: waiting for payment",
        "Paid: the request went to the provider",
        "The provider accepted",
        "The job started",
        "The provider marked the job as done",
        "The customer confirmed the job is done",
    ):
        expect(timeline).to_contain_text(step)

    assert customer_problems == []
    assert provider_problems == []
