"""After a completed order, the customer leaves a 5-star review with a photo and
sees it kept hidden; the provider reviews the customer in their own browser; the
customer then sees both reviews, and the service's page shows the review with
its photo and the "Verified order" label — in a real Chromium on a live server.
"""

import mimetypes
import re
from io import BytesIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

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


@pytest.fixture(autouse=True)
def _deferred_tasks(settings, tmp_path):
    # The review window's timer is a task due in 14 days: the dummy backend
    # keeps it (the immediate test backend cannot). Uploads go to a private folder.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.MEDIA_ROOT = tmp_path / "media"


def _person(email: str, name: str):
    user = make_user(email=email, name=name, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _serve_media(route: Route) -> None:
    # The live server serves static files, not uploads: answer from MEDIA_ROOT.
    name = route.request.url.split(f"/{settings.MEDIA_URL.strip('/')}/", 1)[1]
    path = Path(settings.MEDIA_ROOT) / name
    if not path.is_file():
        route.fulfill(status=404)
        return
    content_type = mimetypes.guess_type(path.name)[0] or "image/webp"
    route.fulfill(status=200, body=path.read_bytes(), content_type=content_type)


def _new_page(browser: Browser) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id="Asia/Shanghai",
        locale="en-US",
    )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    page.route(re.compile(r"/media/"), _serve_media)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    return page, problems


def _give_stars(page: Page, group: str, label: str) -> None:
    """Click the star whose label reads ``label`` in the rating named ``group``."""
    page.get_by_role("group", name=group).locator("label").filter(
        has_text=label
    ).click()


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _photo() -> dict:
    buffer = BytesIO()
    image = Image.new("RGB", (800, 600), "#e0f2fe")
    for x in range(200, 600):
        for y in range(250, 350):
            image.putpixel((x, y), (15, 118, 110))
    image.save(buffer, "PNG")
    return {"name": "after.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def test_both_sides_review_and_the_listing_shows_it(
    live_server, browser: Browser, artifacts_dir
):
    # Given an order Mei completed for Cora
    mei = make_provider(
        user=_person("mei@example.com", "Mei Chen"), display_name="Mei Chen"
    )
    listing = make_listing(
        provider=mei,
        category=make_category("deep-cleaning", name_en="Deep cleaning"),
        title="Deep cleaning, one-bedroom flat",
    )
    cora = _person("cora@example.com", "Cora Lin")
    order = make_completed_order(listing=listing, customer=cora)
    review_url = f"{live_server.url}/orders/{order.public_id}/review/"

    # When Cora opens the order's review page and gives five stars and a photo
    customer, customer_problems = _new_page(browser)
    _sign_in(customer, live_server.url, "cora@example.com")
    customer.goto(review_url)
    expect(customer.get_by_role("heading", level=1)).to_have_text("Review Mei Chen")
    overall = customer.get_by_role("group", name="Overall")
    _give_stars(customer, "Overall", "5 stars")
    expect(overall.get_by_role("radio", name="5 stars")).to_be_checked()
    _give_stars(customer, "Quality of the work", "5 stars")
    customer.get_by_label("Your review").fill(
        "Mei left the flat spotless, even behind the fridge."
    )
    customer.get_by_label("Photos").set_input_files(_photo())
    customer.screenshot(path=str(artifacts_dir / "review-1-form.png"), full_page=True)
    customer.get_by_role("button", name="Submit review").click()

    # Then her review is kept hidden until Mei reviews too
    expect(customer.locator("[data-review-pending]")).to_be_visible()
    expect(customer.get_by_text("spotless, even behind the fridge")).to_be_visible()
    customer.screenshot(
        path=str(artifacts_dir / "review-2-pending.png"), full_page=True
    )

    # When Mei, in her own browser, reviews Cora
    provider, provider_problems = _new_page(browser)
    _sign_in(provider, live_server.url, "mei@example.com")
    provider.goto(review_url)
    expect(provider.get_by_role("heading", level=1)).to_have_text("Review Cora")
    expect(provider.get_by_text("behind the fridge")).to_have_count(0)  # blind
    _give_stars(provider, "Overall", "4 stars")
    provider.get_by_label("About this customer").fill("Clear instructions, kind.")
    provider.get_by_role("button", name="Submit review").click()
    expect(provider.get_by_text("Both reviews are now published")).to_be_visible()

    # Then Cora sees both reviews revealed
    customer.reload()
    expect(customer.locator("[data-review-pending]")).to_have_count(0)
    expect(customer.get_by_text("Clear instructions, kind.")).to_be_visible()

    # And the service's page shows her review, its photo and "Verified order"
    customer.goto(f"{live_server.url}/services/{listing.public_id}/")
    reviews = customer.locator("#reviews")
    reviews.scroll_into_view_if_needed()
    expect(reviews.get_by_text("spotless, even behind the fridge")).to_be_visible()
    expect(reviews.get_by_text("Verified order")).to_be_visible()
    photo = reviews.get_by_role("img", name="Customer photo 1")
    expect(photo).to_be_visible()
    customer.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    expect(reviews.get_by_text("1 review", exact=True)).to_be_visible()
    # The filters swap the list in place
    reviews.get_by_label("Stars").select_option("3")
    expect(reviews.get_by_text("No reviews match these filters.")).to_be_visible()
    reviews.get_by_label("Stars").select_option("")
    expect(reviews.get_by_text("spotless, even behind the fridge")).to_be_visible()
    reviews.screenshot(path=str(artifacts_dir / "review-3-listing.png"))
    customer.screenshot(
        path=str(artifacts_dir / "review-4-listing-page.png"), full_page=True
    )

    assert customer_problems == []
    assert provider_problems == []
