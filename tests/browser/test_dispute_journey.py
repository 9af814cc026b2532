"""Disputes in a real Chromium on a live server: (a) a customer disputes a
completed order with photos, the provider offers a partial refund, the
customer accepts and the money moves exactly; (b) ops, signed in with password
and authenticator code, decide a split of a dispute the two sides could not
settle."""

import re
from io import BytesIO

import pytest
from allauth.account.models import EmailAddress
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from doorstep.audit.models import AuditEntry
from doorstep.orders.states import OrderState
from doorstep.payments.flows import order_payment
from doorstep.payments.models import AccountKind as K
from doorstep.support import disputes
from doorstep.support.models import Dispute
from doorstep.support.tests.disputes.helpers import (
    assert_books_closed,
    balance,
    completed_order,
    delivered_order,
)
from doorstep.trust.tests.standards import helpers as standards_helpers
from tests.factories import (
    make_category,
    make_listing,
    make_ops,
    make_provider,
    make_user,
    totp_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The sandbox gateway, and transitions fired the way the app fires them.
_sandbox = standards_helpers._sandbox
fire = standards_helpers.fire

TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"


def _person(email: str, name: str, **fields):
    user = make_user(email=email, name=name, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _listing():
    category = make_category("deep-cleaning", name_en="Deep cleaning")
    category.commission_bps = 1500
    category.save(update_fields=["commission_bps"])
    mei = make_provider(
        user=_person("mei@example.com", "Mei Chen"), display_name="Mei Chen"
    )
    return make_listing(
        provider=mei,
        category=category,
        title="Deep cleaning, one-bedroom flat",
        price=10_000,
        currency="CNY",
    )


def _new_page(browser: Browser) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _photo(name: str, colour: str) -> dict:
    buffer = BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


def test_a_customer_disputes_a_completed_order_and_takes_a_partial_refund(
    live_server, browser: Browser, fire
):
    # Given a cleaning Cora confirmed, paid to Mei's pending balance
    listing = _listing()
    cora = _person("cora@example.com", "Cora Lin")
    order = completed_order(listing, cora, fire)
    pending_before = balance(K.PROVIDER_PENDING, provider=listing.provider)

    # Cora reports a problem from her order, with two photos
    page, errors = _new_page(browser)
    _sign_in(page, live_server.url, "cora@example.com")
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    page.locator("[data-open-dispute]").first.click()
    page.get_by_label("What went wrong").select_option("poor_quality")
    page.get_by_label("What happened").fill("The oven and the windows were skipped.")
    page.get_by_label("Photos").set_input_files(
        [_photo("oven.png", "#7c2d12"), _photo("window.png", "#0c4a6e")]
    )
    page.get_by_role("button", name="Open the dispute").click()
    expect(page.locator("[data-dispute-status]")).to_have_text(
        "Waiting for the other side"
    )
    expect(page.locator("[data-evidence-photo]")).to_have_count(2)
    dispute = Dispute.objects.get(order=order)

    # Mei sees it and offers CN¥30.00 back
    mei_page, mei_errors = _new_page(browser)
    _sign_in(mei_page, live_server.url, "mei@example.com")
    mei_page.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
    expect(mei_page.locator("[data-evidence-photo]")).to_have_count(2)
    mei_page.get_by_label("Offer a partial refund").check()
    mei_page.get_by_label("Refund to offer").fill("30.00")
    mei_page.get_by_label("Your side of it").fill("Sorry, the oven was missed.")
    mei_page.get_by_role("button", name="Send my answer").click()
    expect(mei_page.locator("[data-dispute-status]")).to_have_text("Offer made")

    # Cora accepts the offer
    page.reload()
    expect(page.locator("[data-offer]")).to_contain_text("30.00")
    page.get_by_role("button", name="Accept the offer").click()
    expect(page.locator("[data-dispute-status]")).to_have_text("Settled by agreement")
    expect(page.locator("[data-refund]")).to_contain_text("30.00")

    # The money: CN¥30.00 back on Cora's card, taken from Mei's pending balance
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert order_payment(order).refunded_amount == 3_000
    assert balance(K.PROVIDER_PENDING, provider=listing.provider) == (
        pending_before - 3_000
    )
    assert_books_closed(order)
    assert errors == []
    assert mei_errors == []


def test_ops_decide_a_split_of_a_dispute_the_sides_did_not_settle(
    live_server, browser: Browser, fire
):
    # Given a delivered job Cora disputed and Mei rejected
    listing = _listing()
    cora = _person("cora@example.com", "Cora Lin")
    order = delivered_order(listing, cora, fire)
    dispute = disputes.open_dispute(
        user=cora,
        order_id=order.public_id,
        category=Dispute.Category.NOT_DONE,
        statement="Only the kitchen was cleaned.",
    )
    disputes.respond_to_dispute(
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="reject",
        statement="Everything was done.",
    )
    paid = dispute.paid_amount
    fee = order_payment(order).service_fee_amount
    agent = make_ops("Support", email="agent@example.com", password=PASSWORD)
    EmailAddress.objects.create(
        user=agent, email=agent.email, verified=True, primary=True
    )

    # The agent signs in with her password and her authenticator's code
    page, errors = _new_page(browser)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(agent.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator("input[name=code]").fill(totp_code(agent))
    page.locator("input[name=code]").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/"))

    # finds the dispute in her queue on the ops home, reads both sides
    page.goto(live_server.url + "/ops/")
    page.get_by_role("link", name="Disputes to decide").click()
    page.get_by_role("link", name=dispute.public_id).click()
    expect(page.locator("body")).to_contain_text("Only the kitchen was cleaned.")
    expect(page.locator("body")).to_contain_text("Everything was done.")

    # and decides: CN¥60.00 back to Cora, the rest to Mei
    page.get_by_label("Refund to the customer").fill("60.00")
    page.get_by_label("Reason (both sides read it)").fill(
        "Half the flat was not cleaned, as the photos show."
    )
    page.get_by_role("button", name="Decide and move the money").click()
    expect(page.locator("body")).to_contain_text("Decided. The money moves now.")
    expect(page.locator("[data-outcome]")).to_contain_text("Partial refund")

    order.refresh_from_db()
    dispute.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert dispute.decided_by == agent
    assert order_payment(order).refunded_amount == 6_000
    rest = paid - 6_000 - fee
    assert balance(K.PROVIDER_PENDING, provider=listing.provider) == (
        rest - rest * 1500 // 10_000
    )
    assert AuditEntry.objects.get(action="support.decide_dispute").reason == (
        "Half the flat was not cleaned, as the photos show."
    )
    assert_books_closed(order)
    assert errors == []
