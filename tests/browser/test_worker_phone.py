"""A customer buys an ASAP cleaning on the site and pays; on a phone, an
agency's staff member gets the offer through the real cascade, accepts it,
sets off, starts with the code the customer shows, uploads a photo and marks
the job done; the customer then confirms and reviews — in a real Chromium on a
live server, with no step the platform does by itself done by the test."""

import re
from io import BytesIO

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from doorstep.dispatch.tests.helpers import (
    HOME,
    make_agency,
    make_worker,
    service_in_shanghai,
)
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TILES = re.compile(r"tile\.openstreetmap\.org")


@pytest.fixture(autouse=True)
def _in_process(settings, tmp_path):
    # Offers, captures and notifications run as each step commits.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.MEDIA_ROOT = tmp_path / "media"


def _signed_in(browser: Browser, live_server, user, *, phone: bool) -> Page:
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    context = browser.new_context(
        **(options if phone else {"viewport": {"width": 1280, "height": 900}}),
        locale="en-US",
        timezone_id="Asia/Shanghai",
    )
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
    page.problems = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def _photo() -> dict:
    buffer = BytesIO()
    Image.new("RGB", (800, 600), "#e0f2fe").save(buffer, "PNG")
    return {"name": "after.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def _state(page: Page):
    return page.locator(".work__header [data-order-state]")


def test_a_staff_member_does_an_asap_cleaning_from_their_phone(
    live_server, browser: Browser, artifacts_dir
):
    # Given a cleaning on sale in Shanghai, Wu on duty for Bright Homes nearby,
    # and Cora, who has just paid for one "as soon as possible"
    for_sale = service_in_shanghai()
    wu = make_worker(
        for_sale.service.category,
        at=(HOME[0] + 0.01, HOME[1]),
        staff_of=make_agency(),
        name="Wu Fang",
    )
    cora = make_user(name="Cora Lin", email="cora@example.com")
    EmailAddress.objects.create(
        user=cora, email=cora.email, verified=True, primary=True
    )

    # When Cora buys it "as soon as possible" on the site and pays on the
    # gateway's page
    customer = _signed_in(browser, live_server, cora, phone=False)
    customer.goto(f"{live_server.url}/services/?city=shanghai")
    customer.locator(
        f'[data-dispatch-service="{for_sale.service.public_id}"]'
    ).get_by_role("link", name="Book", exact=True).click()
    expect(customer.get_by_label("As soon as possible")).to_be_checked()
    customer.get_by_label("Address").fill("1 Yuyuan Road")
    customer.get_by_label("Notes for the worker").fill("Ring twice.")
    customer.get_by_role("button", name="Continue to payment").click()
    customer.get_by_label("Card number").fill("4242 4242 4242 4242")
    customer.get_by_role("button", name="Pay").click()
    expect(customer.locator("[data-dispatch-status]")).to_contain_text(
        "Finding a worker"
    )
    order = Order.objects.get(customer=cora)
    assert order.state == OrderState.DISPATCHING

    # When Wu opens his jobs on his phone, the offer is there: what, roughly
    # where, what he earns and how long he has — not the address yet
    phone = _signed_in(browser, live_server, wu.staff.user, phone=True)
    phone.goto(f"{live_server.url}/work/")
    offer = phone.locator("[data-offer-id]")
    expect(offer).to_contain_text("Home cleaning, 2 hours")
    expect(offer).to_contain_text("You earn")
    expect(offer).to_contain_text("Shanghai")
    expect(offer.locator("[data-expires-at]")).to_have_text(re.compile(r"^1?\d:\d\d$"))
    expect(phone.get_by_text("1 Yuyuan Road")).to_have_count(0)
    _fits(phone)
    phone.screenshot(path=str(artifacts_dir / "worker-1-offer.png"), full_page=True)

    # And accepts it: the job page has the address, a map link and the notes
    offer.get_by_role("button", name="Accept").click()
    expect(_state(phone)).to_have_text("Confirmed")
    expect(phone.locator("[data-job-address]")).to_have_text("1 Yuyuan Road")
    expect(phone.get_by_role("link", name="Open in maps")).to_have_attribute(
        "href", re.compile(rf"^geo:{re.escape(str(order.latitude)[:6])}")
    )
    expect(phone.get_by_text("Ring twice.")).to_be_visible()
    _fits(phone)
    phone.screenshot(path=str(artifacts_dir / "worker-2-job.png"), full_page=True)

    # When he sets off
    phone.get_by_role("button", name="I'm on my way").click()
    expect(_state(phone)).to_have_text("On the way")

    # And at the door types the code Cora's order page shows her
    customer.goto(f"{live_server.url}/orders/{order.public_id}/")
    code = customer.locator("[data-start-code]").inner_text().strip()
    phone.get_by_label("Start code").fill("0000" if code != "0000" else "1111")
    phone.get_by_role("button", name="Start the job").click()
    expect(phone.get_by_text("That start code is not right.")).to_be_visible()
    phone.get_by_label("Start code").fill(code)
    phone.get_by_role("button", name="Start the job").click()
    expect(_state(phone)).to_have_text("In service")

    # And when the flat is clean, adds a photo and marks the job done
    phone.get_by_label("Before and after photos").set_input_files(_photo())
    phone.get_by_role("button", name="Mark as done").click()
    expect(_state(phone)).to_have_text("Delivered")
    expect(phone.get_by_role("img", name="Job photo")).to_have_count(1)
    _fits(phone)
    phone.screenshot(path=str(artifacts_dir / "worker-3-done.png"), full_page=True)

    # Then Cora confirms on her order page and reviews the job
    customer.reload()
    customer.get_by_role("button", name="Confirm it's done").click()
    expect(customer.locator(".order-head [data-order-state]")).to_have_text("Completed")
    customer.goto(f"{live_server.url}/orders/{order.public_id}/review/")
    customer.get_by_role("group", name="Overall").locator("label").filter(
        has_text="5 stars"
    ).click()
    customer.get_by_label("Your review").fill("Quick and spotless, on a Sunday.")
    customer.get_by_role("button", name="Submit review").click()
    expect(customer.locator("[data-review-pending]")).to_be_visible()
    customer.screenshot(
        path=str(artifacts_dir / "worker-4-reviewed.png"), full_page=True
    )

    # And nothing broke in either browser
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert order.staff == wu.staff
    assert phone.problems == []
    assert customer.problems == []


def test_the_phone_shares_its_position_only_after_opting_in(
    live_server, browser: Browser
):
    # Given Wu on duty, his phone at People's Square, sharing not yet on
    wu = make_worker(
        service_in_shanghai().service.category, staff_of=make_agency(), name="Wu"
    )
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        locale="en-US",
        geolocation={"latitude": 31.2304, "longitude": 121.4737, "accuracy": 15},
        permissions=["geolocation"],
    )
    client = Client()
    client.force_login(wu.staff.user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    phone = context.new_page()
    phone.goto(f"{live_server.url}/work/")
    phone.wait_for_timeout(500)
    wu.refresh_from_db()
    assert wu.latitude is None

    # When he ticks "Share my location while on duty" (it saves itself)
    with phone.expect_response(re.compile(r"/api/v1/work/location$")) as sent:
        phone.get_by_label("Share my location while on duty").check()

    # Then the page sends the phone's position, and dispatch knows where he is
    assert sent.value.status == 204
    wu.refresh_from_db()
    assert (wu.shares_location, wu.latitude, wu.longitude) == (True, 31.2304, 121.4737)

    # And going off duty forgets it
    phone.get_by_role("button", name="Go off duty").click()
    expect(phone.get_by_role("button", name="Go on duty")).to_be_visible()
    wu.refresh_from_db()
    assert (wu.is_on_duty, wu.shares_location, wu.latitude) == (False, False, None)
