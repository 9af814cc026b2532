"""A customer buys a fixed-price cleaning "as soon as possible": from the
catalogue of their city to the booking page, the sandbox's payment page, then
their order, which shows the search with its promise and — without a reload —
the worker who accepted and the start code. Real Chromium, live server, no map
tiles (there is no internet)."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Page, expect

from doorstep.dispatch import cascade
from doorstep.dispatch.tests.helpers import HOME, make_worker, service_in_shanghai
from doorstep.orders.models import Order
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"
# The order page asks the server every 10 s; allow for one round and a bit.
POLL = 15_000


@pytest.fixture(autouse=True)
def _in_process(settings):
    # The first offer, the capture and the notifications run as each step
    # commits, as the worker process would run them.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False


def _customer():
    user = make_user(email="cora@example.com", name="Cora Lin", password=PASSWORD)
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    return user


def _new_page(browser: Browser) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id="Asia/Shanghai",
        locale="en-US",
    )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return page, problems


def test_a_customer_buys_a_cleaning_as_soon_as_possible(
    live_server, browser: Browser, artifacts_dir
):
    on_sale = service_in_shanghai()
    worker = make_worker(
        on_sale.service.category, at=(HOME[0] + 0.01, HOME[1]), name="Wei Zhang"
    )
    _customer()

    # Given a signed-in customer on the fixed-price services of Shanghai
    page, problems = _new_page(browser)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("cora@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{live_server.url}/services/?city=shanghai")
    row = page.locator(f'[data-dispatch-service="{on_sale.service.public_id}"]')
    expect(row).to_contain_text("CN¥150.00")
    expect(row.locator("[data-promise]")).to_contain_text("within 2 h")

    # When they book it as soon as possible for their door
    row.get_by_role("link", name="Book", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(on_sale.service.title)
    expect(page.get_by_label("As soon as possible")).to_be_checked()
    page.get_by_label("Address").fill("1 Yuyuan Road")
    expect(page.locator("#booking-map .leaflet-marker-icon")).to_have_count(1)
    page.screenshot(path=artifacts_dir / "dispatch-booking-page.png", full_page=True)
    page.get_by_role("button", name="Continue to payment").click()

    # and pay on the gateway's hosted page
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox payment page")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay").click()

    # Then their order is looking for a worker, with the promise clock
    expect(page.locator("[data-dispatch-status]")).to_contain_text("Finding a worker")
    expect(page.locator("[data-arrive-by]")).to_be_visible()
    page.screenshot(path=artifacts_dir / "dispatch-searching.png", full_page=True)

    # When the worker accepts the offer the platform made them
    order = Order.objects.get()
    offer = order.dispatch_job.offers.get()
    assert offer.worker == worker
    cascade.accept_offer(offer_id=offer.public_id, user=worker.provider.user)

    # Then the page names the worker and shows the start code without a reload
    expect(page.locator("[data-worker-name]")).to_have_text("Wei Zhang", timeout=POLL)
    expect(page.locator("[data-start-code]")).to_have_text(re.compile(r"^\d{4}$"))
    page.screenshot(path=artifacts_dir / "dispatch-assigned.png", full_page=True)
    assert problems == []
