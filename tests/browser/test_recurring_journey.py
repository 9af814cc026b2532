"""A customer makes a past booking regular: from the completed order's page
("Make it regular") she picks every week for three visits, sees them booked
on the series page, skips one — in a real Chromium, against a live server."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from doorstep.api.testing import PASSWORD, make_user
from doorstep.recurring.models import Series, VisitStatus
from doorstep.recurring.tests.conftest import (
    offering_after_service,
    save_card,
    today,
)
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_completed_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_make_a_booking_regular_and_skip_one_visit(
    live_server, page: Page, artifacts_dir
):
    listing = offering_after_service(bookable_listing(duration=120))
    customer = make_user(email="rita@example.com", name="Rita Regular")
    save_card(customer)
    order = make_completed_order(listing=listing, customer=customer)

    # Given Rita on her completed order
    _sign_in(page, live_server.url, "rita@example.com")
    page.goto(live_server.url + order.get_absolute_url())

    # When she makes it regular: every week, three visits
    page.get_by_role("link", name="Make it regular").click()
    page.get_by_label("How often").select_option("weekly")
    page.get_by_label("First visit").fill((today() + timedelta(days=3)).isoformat())
    page.get_by_label("Start time (the provider's local time)").fill("10:00")
    page.get_by_label("Or a number of visits").fill("3")
    page.get_by_role("button", name="Book the visits").click()

    # Then the series page lists the three visits, booked
    expect(page.get_by_role("heading", name=listing.title)).to_be_visible()
    booked = page.locator("[data-visit-status=booked]")
    expect(booked).to_have_count(3)
    page.screenshot(path=str(artifacts_dir / "recurring-series.png"))

    # When she skips the first one
    booked.first.get_by_role("button", name="Skip this visit").click()

    # Then it shows skipped, and its order is cancelled, never charged
    expect(page.locator("[data-visit-status=skipped]")).to_have_count(1)
    series = Series.objects.get(customer=customer)
    skipped = series.visits.get(status=VisitStatus.SKIPPED)
    assert skipped.order.state == "cancelled"
    assert skipped.charged_at is None
