"""A customer posts a job with a photo and a pin on the map; two providers open
the lead in their own browsers and quote; the customer counters one, who
revises; the customer compares both side by side, asks one a question in chat,
hires the other at a time they offered and pays on the sandbox's hosted page;
the provider sets off, starts with the customer's start code and marks the job
done; the customer confirms. Real Chromium against a live server, no map tiles
(there is no internet), one browser for everyone.
"""

import re
from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from doorstep.quotes.models import CategoryQuestion, JobRequest
from doorstep.quotes.tests.helpers import quoting_listing
from tests.factories import make_category, make_provider, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"
CARD = "4242 4242 4242 4242"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def _deferred_tasks(settings, tmp_path):
    # Timers are tasks due later: the database backend keeps them for a worker
    # (the immediate test backend cannot). Uploads go to a private folder.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    # The job is days ahead and done at once: the start window opens that wide.
    settings.DOORSTEP_START_WINDOW_MINUTES = 7 * 24 * 60


def _person(email: str, name: str):
    user = make_user(email=email, name=name, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _seed() -> None:
    cleaning = make_category("deep-cleaning", name_en="Deep cleaning")
    CategoryQuestion.objects.create(
        category=cleaning, kind="number", label_en="How many rooms?"
    )
    for email, name, at in (
        ("mei@example.com", "Mei Chen", (31.2330, 121.4750)),
        ("li@example.com", "Li Wei", (31.2250, 121.4800)),
    ):
        provider = make_provider(
            user=_person(email, name),
            display_name=name,
            verified=True,
            at=at,
            time_zone="Asia/Shanghai",
        )
        quoting_listing(cleaning, provider=provider, at=at, title=f"{name} cleans")
    _person("cora@example.com", "Cora Lin")


def _watch_for_errors(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))

    def console(message) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "") if message.location else ""
        if TILES.search(location) or "Failed to load resource" in message.text:
            return
        if "WebSocket" in message.text:  # the live server is WSGI: chat polls
            return
        problems.append(f"console: {message.text}")

    page.on("console", console)
    return problems


def _signed_in(
    browser: Browser, url: str, email: str, *, phone: bool = False
) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        is_mobile=phone,
        timezone_id="Asia/Shanghai",
        locale="en-US",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    problems = _watch_for_errors(page)
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    return page, problems


def _photo() -> dict:
    buffer = BytesIO()
    Image.new("RGB", (640, 480), "#fde68a").save(buffer, "JPEG")
    return {"name": "oven.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def _assert_fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def _quote(page: Page, url: str, price: str, included: str) -> None:
    """A provider opens the lead from their leads and sends a fixed price with
    their first two free start times."""
    page.goto(url + "/leads/")
    page.locator("[data-lead]").get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oven and kitchen")
    expect(page.locator("[data-job]")).to_contain_text("How many rooms?")
    photo = page.locator("[data-job-photo]")
    expect(photo).to_have_count(1)
    # The private photo loads for an invited provider (lazily: wait for it).
    photo.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    expect(page.locator("[data-job]")).not_to_contain_text("cora@example.com")
    form = page.locator("[data-quote-form]")
    form.get_by_label("Price", exact=True).fill(price)
    form.get_by_label("What is included").fill(included)
    times = form.locator("input[name=start_times]")
    times.nth(0).check()
    times.nth(1).check()
    form.get_by_role("button", name="Send the quote").click()
    expect(page.locator(".messages")).to_contain_text("Your quote was sent")


def test_a_customer_gets_two_quotes_and_hires_one(
    live_server, browser: Browser, artifacts_dir
):
    _seed()
    url = live_server.url
    tomorrow = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=1)

    # Given a signed-in customer on the form to get quotes for deep cleaning
    customer, customer_problems = _signed_in(browser, url, "cora@example.com")
    customer.goto(url + "/quotes/new/?category=deep-cleaning")
    expect(customer.get_by_label("How many rooms?")).to_be_visible()

    # When they describe the job, add a photo, move the pin and pick the days
    customer.get_by_label("Title").fill("Oven and kitchen")
    customer.get_by_label("What needs doing").fill("A greasy oven and the tiles.")
    customer.get_by_label("How many rooms?").fill("2")
    customer.get_by_label("Photos").set_input_files(_photo())
    customer.get_by_label("Address").fill("Room 1203, 88 Huaihai Road")
    marker = customer.locator("#booking-map .leaflet-marker-icon")
    expect(marker).to_have_count(1)
    latitude = customer.locator("#id_latitude")
    before = latitude.input_value()
    customer.locator("#booking-map").click(position={"x": 260, "y": 120})
    expect(latitude).not_to_have_value(before)
    customer.get_by_label("From", exact=True).fill(tomorrow.isoformat())
    customer.get_by_label("Until").fill((tomorrow + timedelta(days=2)).isoformat())
    customer.get_by_label("Morning (8–12)").check()
    customer.get_by_label("Afternoon (12–17)").check()
    customer.screenshot(path=artifacts_dir / "quotes-new-request.png", full_page=True)
    customer.get_by_role("button", name="Ask for quotes").click()

    # Then the request is open and went to both providers
    expect(customer.get_by_role("heading", level=1)).to_have_text("Oven and kitchen")
    expect(customer.locator("[data-request-status]")).to_have_text("Open")
    expect(customer.get_by_text("Sent to 2 providers.")).to_be_visible()
    request_url = customer.url
    job = JobRequest.objects.get()
    assert job.latitude != 31.2304
    assert job.photos.count() == 1

    # When each provider, in their own browser, quotes from their free times
    mei, mei_problems = _signed_in(browser, url, "mei@example.com")
    _quote(mei, url, "300", "Oven, hob, tiles; our own products.")
    lead_url = mei.url
    # (Li answers on her phone)
    li, li_problems = _signed_in(browser, url, "li@example.com", phone=True)
    _quote(li, url, "280", "Oven and tiles.")
    _assert_fits(li)

    # Then the customer compares them side by side, cheapest first, with fees
    customer.reload()
    cards = customer.locator("[data-quote]")
    expect(cards).to_have_count(2)
    expect(cards.nth(0).locator("[data-quote-provider]")).to_have_text("Li Wei")
    expect(cards.nth(1).locator("[data-quote-provider]")).to_have_text("Mei Chen")
    expect(cards.nth(1).locator("[data-quote-total]")).to_contain_text("service fee")
    expect(cards.nth(1).locator("[data-start-time]")).to_have_count(2)

    # When they counter Mei's price and Mei revises to it
    mei_card = cards.filter(has_text="Mei Chen")
    mei_card.get_by_text("Make a counter-offer").click()
    mei_card.get_by_label("Your offer for the whole job").fill("270")
    mei_card.get_by_role("button", name="Send the counter-offer").click()
    expect(customer.locator(".messages")).to_contain_text("counter-offer was sent")
    mei.goto(lead_url)
    expect(mei.locator("[data-counter-offer]")).to_contain_text("CN¥270.00")
    revise = mei.locator("[data-revise-form]")
    revise.get_by_label("New price").fill("270")
    revise.get_by_role("button", name="Send the revised quote").click()
    expect(mei.locator(".messages")).to_contain_text("revised quote was sent")

    # Then Mei's quote is now the cheaper, showing what it was
    customer.reload()
    first = customer.locator("[data-quote]").nth(0)
    expect(first.locator("[data-quote-provider]")).to_have_text("Mei Chen")
    expect(first.locator("[data-quote-price]")).to_have_text("CN¥270.00")
    expect(first.locator("[data-was]")).to_have_text("was CN¥300.00")
    customer.screenshot(path=artifacts_dir / "quotes-compare.png", full_page=True)
    customer.set_viewport_size(PHONE)
    _assert_fits(customer)
    customer.set_viewport_size(DESKTOP)

    # When they ask Li a question in chat
    li_card = customer.locator("[data-quote]").filter(has_text="Li Wei")
    li_card.get_by_role("button", name="Message").click()
    expect(customer.get_by_role("heading", name="Li Wei")).to_be_visible()
    customer.get_by_role("textbox", name="Message").fill("Do you clean the hood?")
    customer.get_by_role("button", name="Send").click()
    expect(customer.locator("#thread-messages")).to_contain_text("clean the hood")

    # and hire Mei at the first time she offered, and pay on the gateway's page
    customer.goto(request_url)
    mei_card = customer.locator("[data-quote]").filter(has_text="Mei Chen")
    mei_card.get_by_text("Hire", exact=True).click()
    mei_card.locator("[data-hire-form] input[type=radio]").first.check()
    mei_card.get_by_role("button", name="Hire Mei Chen and pay").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(
        "Sandbox payment page"
    )
    customer.get_by_label("Card number").fill(CARD)
    customer.get_by_role("button", name="Pay").click()

    # Then the order is confirmed, with the start code
    state = customer.locator(".order-head [data-order-state]")
    expect(state).to_have_text("Confirmed")
    start_code = customer.locator("[data-start-code]").inner_text()
    order_url = customer.url

    # When Mei sets off, starts with the code and marks the job done
    mei.goto(order_url)
    mei.get_by_role("button", name="I'm on my way").click()
    mei_state = mei.locator(".order-head [data-order-state]")
    expect(mei_state).to_have_text("On the way")
    mei.get_by_label("Start code").fill(start_code)
    mei.get_by_role("button", name="Start the job").click()
    expect(mei_state).to_have_text("In service")
    mei.get_by_role("button", name="Mark as done").click()
    expect(mei_state).to_have_text("Delivered")

    # Then the customer confirms
    customer.reload()
    customer.get_by_role("button", name="Confirm it's done").click()
    expect(state).to_have_text("Completed")
    job.refresh_from_db()
    assert job.status == JobRequest.Status.HIRED

    assert customer_problems == []
    assert mei_problems == []
    assert li_problems == []
