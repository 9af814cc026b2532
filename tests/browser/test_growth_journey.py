"""A customer with points and a spring code on an order waiting for payment:
a mistyped code is refused beside the field, the right one and some points
lower the total shown; their rewards page tells what is left; they invite a
friend, whose link says who invited them and what they get — in a real
Chromium against a live server.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from doorstep.growth import rewards
from doorstep.growth.models import Campaign, Coupon, RewardLot
from tests.factories import make_listing, make_order, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Very-long-passphrase-42"


@pytest.fixture(autouse=True)
def _money(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    settings.DOORSTEP_CURRENCY = "CNY"


def _seed():
    customer = make_user(email="cora@example.com", name="Cora Lin", password=PASSWORD)
    EmailAddress.objects.create(
        user=customer, email="cora@example.com", verified=True, primary=True
    )
    listing = make_listing(price=20_000, currency="CNY")
    order = make_order(listing=listing, customer=customer, state="awaiting_payment")
    spring = Campaign.objects.create(name="Spring", kind="promotion", currency="CNY")
    Coupon.objects.create(
        code="SPRING", campaign=spring, kind="fixed", amount=3_000, currency="CNY"
    )
    welcome = Campaign.objects.create(
        name="Friends", kind="referral", currency="CNY", reward_amount=2_000
    )
    Coupon.objects.create(
        code="WELCOME", campaign=welcome, kind="fixed", amount=2_500, currency="CNY"
    )
    rewards.grant(
        user=customer,
        kind=RewardLot.Kind.POINTS,
        source=RewardLot.Source.GOODWILL,
        source_ref="welcome",
        amount=800,
        currency="CNY",
        now=timezone.now(),
    )
    return order


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill("cora@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_a_customer_uses_a_code_and_points_then_invites_a_friend(
    live_server, browser: Browser
):
    order = _seed()
    context = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    # Given a signed-in customer on their order waiting for payment
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    box = page.locator("[data-discounts]")
    expect(box).to_contain_text("You hold 800 points, worth CN¥8.00.")
    total = page.locator("[data-price-total]")
    expect(total).to_have_text("CN¥210.00")

    # When they mistype the code, the reason is beside it and nothing changes
    box.get_by_label("Promo code").fill("SPRNG")
    box.get_by_role("button", name="Apply").click()
    expect(page.locator("#id_code_error")).to_contain_text("There is no such code")
    expect(page.locator("[data-price-total]")).to_have_text("CN¥210.00")

    # When they fix it and use 500 points, the total shown comes down
    box = page.locator("[data-discounts]")
    box.get_by_label("Promo code").fill("spring")
    box.get_by_label("Points to use").fill("500")
    box.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-price-discount]")).to_contain_text("−CN¥35.00")
    expect(page.locator("[data-price-total]")).to_have_text("CN¥175.00")
    expect(page.locator("[data-discount-code]")).to_contain_text("SPRING")

    # Then their rewards page shows the points left and where the rest went
    page.locator("summary", has_text="Account menu").click()
    page.get_by_role("link", name="Points and credit").click()
    expect(page.locator("[data-points]")).to_contain_text("300 points")
    expect(page.locator(f'[data-move-order="{order.public_id}"]')).to_be_visible()

    # When they invite a friend, the page offers the link and share buttons
    page.get_by_role("link", name="Invite friends").first.click()
    code = page.locator("[data-referral-code]").get_attribute("data-referral-code")
    expect(page.locator("[data-share-preview]")).to_contain_text(
        "Cora invited you to Doorstep: get CN¥25.00 off your first booking."
    )
    expect(page.locator(".share__url")).to_have_value(
        re.compile(rf"^{re.escape(live_server.url)}/r/{code}/")
    )

    # Then the friend, signed out elsewhere, lands on who invited them
    friend = browser.new_context(locale="en-US").new_page()
    friend.goto(f"{live_server.url}/r/{code}/")
    expect(friend.get_by_role("heading", level=1)).to_have_text(
        "Cora invited you — get CN¥25.00 off your first booking"
    )
    expect(friend.locator("[data-sign-up]")).to_be_visible()
    assert problems == []
