"""A warranty claim, start to end, in a real Chromium on a live server: the
customer of a completed order says what is not right (with a photo), the
provider offers to come back at a free time, the customer accepts and lands on
the new, free order."""

import re
from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from doorstep.orders.models import Order
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_completed_order, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Very-long-passphrase-42"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _quiet(settings, tmp_path):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


def _can_sign_in(user) -> None:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )


def _page(browser: Browser) -> Page:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id="Asia/Shanghai",
        locale="en-US",
    )
    page = context.new_page()
    page.route(re.compile(r"tile\.openstreetmap\.org"), lambda route: route.abort())
    return page


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _photo() -> dict:
    buffer = BytesIO()
    Image.new("RGB", (640, 480), "#fde68a").save(buffer, "PNG")
    return {"name": "drip.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def test_a_warranty_claim_ends_in_a_free_redo_the_customer_sees(
    live_server, browser: Browser
):
    # Given a plumber's job, with a 30-day warranty, completed for Cora
    listing = bookable_listing(duration=120)
    listing.title = "Fix a dripping tap"
    listing.save(update_fields=["title"])
    listing.category.warranty_days = 30
    listing.category.save(update_fields=["warranty_days"])
    provider = listing.provider.user
    _can_sign_in(provider)
    cora = make_user(email="cora@example.com", name="Cora Lin")
    _can_sign_in(cora)
    order = make_completed_order(
        listing=listing, customer=cora, starts_in=timedelta(days=-1)
    )

    # When Cora claims from the order's page, with a photo
    customer_page = _page(browser)
    _sign_in(customer_page, live_server.url, cora.email)
    customer_page.goto(f"{live_server.url}/orders/{order.public_id}/")
    customer_page.get_by_role(
        "link", name=re.compile("Claim under the warranty")
    ).click()
    customer_page.get_by_label("What is not right?").fill("The tap drips again.")
    customer_page.get_by_label("Photos (up to 6)").set_input_files(_photo())
    customer_page.get_by_role("button", name="Send the claim").click()

    # Then the claim waits for the provider, with the photo
    expect(customer_page.locator(".claim-status")).to_have_text(
        "Waiting for the provider"
    )
    expect(customer_page.locator(".claim-photos img")).to_have_count(1)
    claim_url = customer_page.url

    # When the provider offers to come back in three days at 10:00
    redo_day = (timezone.now().astimezone(SHANGHAI) + timedelta(days=3)).date()
    provider_page = _page(browser)
    _sign_in(provider_page, live_server.url, provider.email)
    provider_page.goto(claim_url)
    provider_page.get_by_label("When you can come back").fill(f"{redo_day}T10:00")
    provider_page.get_by_role("button", name="Offer the redo").click()
    expect(provider_page.locator(".claim-status")).to_have_text("Redo offered")

    # And Cora accepts it
    customer_page.reload()
    customer_page.get_by_role("button", name="Accept the redo").click()

    # Then she is on the new order: free, confirmed, at that time
    redo = Order.objects.get(redo_of=order)
    expect(customer_page).to_have_url(re.compile(f"/orders/{redo.public_id}/"))
    expect(customer_page.get_by_text("Confirmed").first).to_be_visible()
    assert redo.total_amount == 0
    assert redo.starts_at.astimezone(SHANGHAI).hour == 10
    assert redo.starts_at.astimezone(SHANGHAI).date() == redo_day
