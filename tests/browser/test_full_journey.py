"""The whole loop on a fresh database, in real browsers against a live server: a
customer signs up (the link from the e-mail), searches near Shanghai, asks the
provider a question in chat and gets the answer, books a slot and pays with the
sandbox card; the provider accepts, starts with the code and delivers; the
customer confirms; both review and the reviews reveal; the money reaches the
provider's wallet when the worker's scheduler clears it; the provider asks for a
payout and ops (password + TOTP) approve it.

The live server here is WSGI, so the chat runs without its WebSocket: the pages
fall back to polling, and the test reloads them. Live delivery over the socket
has its own test, test_messaging_realtime.py.
"""

import re
import time as clock
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from doorstep.orders.models import Order
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import AccountKind, LedgerAccount, PayoutRequest
from doorstep.periodic.models import JobRun
from doorstep.scheduling.services import WeeklyHours, replace_availability
from tests.factories import (
    make_category,
    make_listing,
    make_provider,
    make_user,
    totp_code_for,
)
from tests.live_worker import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"
CARD = "4242 4242 4242 4242"
POLL = 15_000
QUESTION = "Do you bring your own cleaning supplies?"
ANSWER = "Yes, all supplies and equipment are included in the price."


@pytest.fixture(autouse=True)
def _money_runs_in_process(settings, tmp_path):
    # The money flows run as the transitions commit (immediate task backend; it
    # skips the timers, which the sweep fires); the sandbox's webhooks are
    # delivered by the test, when it wants them.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_MIN_PAYOUT = 1000
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def worker(live_server, tmp_path):
    """A real worker and its scheduler on the live server's database, clearing
    earnings at once (tests/worker_settings.py) and checking every second."""
    log = tmp_path / "worker.log"
    with running_worker(
        log=log, schedule={"clear_pending_earnings": {"every": 1}}
    ) as process:
        yield process
    assert process.returncode in (0, -15), log.read_text()[-3000:]


def _wait_for_available(page: Page, url: str, amount: str) -> None:
    """The provider looks at her wallet until the scheduler has cleared her
    earnings (a second or two after the worker's next run)."""
    available = page.locator(".wallet__balances div").filter(
        has=page.get_by_text("Available", exact=True)
    )
    deadline = clock.monotonic() + 120
    page.goto(url + "/provider/wallet/")
    while amount not in available.inner_text() and clock.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
    expect(available).to_contain_text(amount)


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
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

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
    category = make_category("deep-cleaning", name_en="Deep cleaning")
    category.commission_bps = 1500
    category.save(update_fields=["commission_bps"])
    listing = make_listing(
        provider=mei,
        category=category,
        title="Deep cleaning, one-bedroom flat",
        price=19900,
        duration_minutes=180,
    )
    ops = _person("ops@example.com", "Olu Ops", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(ops, secret)
    return {"listing": listing, "provider": mei, "secret": secret}


def _new_page(browser: Browser) -> Page:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id="Asia/Shanghai",
        locale="en-US",
    )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    return page


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _give_stars(page: Page, group: str, label: str) -> None:
    page.get_by_role("group", name=group).locator("label").filter(
        has_text=label
    ).click()


def test_the_whole_journey(
    live_server, worker, browser: Browser, mailoutbox, artifacts_dir
):
    data = _seed()
    listing = data["listing"]
    url = live_server.url
    step = iter(range(1, 100))
    for stale in artifacts_dir.glob("journey-*.png"):
        stale.unlink()  # an earlier, differently numbered run would interleave

    def shot(page: Page, name: str) -> None:
        # From the top: scrolled, the sticky header lands mid-page in the capture.
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(
            path=artifacts_dir / f"journey-{next(step):02d}-{name}.png", full_page=True
        )

    # A visitor signs up and confirms the address from the e-mail
    customer = _new_page(browser)
    customer.goto(url + "/")
    customer.get_by_role("banner").get_by_role("link", name="Sign up").click()
    customer.get_by_label("Email").fill("cora@example.com")
    customer.get_by_label("Your name").fill("Cora Lin")
    customer.get_by_label("Password").fill(PASSWORD)
    customer.get_by_label("I agree to the terms").check()
    customer.get_by_role("button", name="Create account").click()
    expect(customer.get_by_role("heading", name="Check your email")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    customer.goto(link.group(0))
    customer.get_by_role("button", name="Confirm").click()
    expect(customer.get_by_role("banner")).to_contain_text("Cora Lin")
    shot(customer, "signed-up")

    # searches for cleaning near Shanghai and opens the listing
    customer.goto(url + "/")
    customer.get_by_label("What do you need?").fill("cleaning")
    customer.get_by_label("Where?").select_option(label="Shanghai")
    customer.get_by_role("button", name="Search").click()
    result = customer.get_by_role("link", name=listing.title)
    expect(result.first).to_be_visible()
    shot(customer, "search")
    result.first.click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(listing.title)
    listing_url = customer.url

    # asks the provider a question in chat before booking
    customer.get_by_role("button", name="Message the provider").click()
    expect(customer.get_by_role("heading", name="Mei Chen")).to_be_visible()
    customer.get_by_role("textbox", name="Message").fill(QUESTION)
    customer.get_by_role("button", name="Send").click()
    expect(customer.locator("#thread-messages")).to_contain_text(QUESTION)
    chat_url = customer.url
    shot(customer, "question")

    # The provider finds the unread question in her messages and answers it
    provider = _new_page(browser)
    _sign_in(provider, url, "mei@example.com")
    provider.goto(url + "/messages/")
    conversation = provider.locator(".inbox__item").filter(has_text="Cora Lin")
    expect(conversation).to_have_class(re.compile(r"inbox__item--unread"))
    expect(conversation).to_contain_text(QUESTION)
    expect(conversation.locator(".inbox__badge")).to_contain_text("1")
    shot(provider, "provider-messages")
    conversation.get_by_role("link").click()
    expect(provider).to_have_url(chat_url)
    expect(provider.locator("#thread-messages")).to_contain_text(QUESTION)
    provider.get_by_role("textbox", name="Message").fill(ANSWER)
    provider.get_by_role("button", name="Send").click()
    expect(provider.locator("#thread-messages")).to_contain_text(ANSWER)

    # The customer sees the answer (the page polls; a reload is quicker)
    customer.reload()
    expect(customer.locator("#thread-messages")).to_contain_text(ANSWER)
    expect(customer.locator(".bubble")).to_have_count(2)
    shot(customer, "answer")
    customer.goto(listing_url)

    # books a slot two days ahead and pays with the sandbox card
    day = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=2)
    start = datetime.combine(day, time(10)).replace(tzinfo=SHANGHAI)
    customer.get_by_role("link", name="Request to book").click()
    # htmx wires the picker when the page has loaded; a click before that
    # changes the radio without asking the server for the day's times.
    customer.wait_for_load_state("load")
    customer.locator(f'input[name=date][value="{day.isoformat()}"]').check()
    customer.locator(f'input[name=starts_at][value="{start.isoformat()}"]').check()
    customer.get_by_label("Address").fill("Room 1203, 88 Huaihai Road")
    shot(customer, "book")
    customer.get_by_role("button", name="Request to book").click()
    # the card is typed on the gateway's hosted page (the sandbox's), not ours
    expect(customer.get_by_role("heading", level=1)).to_have_text(
        "Sandbox payment page"
    )
    expect(customer.get_by_text("4000 0000 0000 0002")).to_be_visible()
    customer.get_by_label("Card number").fill(CARD)
    shot(customer, "pay")
    customer.get_by_role("button", name="Pay").click()
    expect(customer.locator(".order-head [data-order-state]")).to_have_text(
        "Waiting for the provider"
    )
    expect(customer.locator("[data-payment-status]")).to_have_attribute(
        "data-payment-status", "authorised"
    )
    order = Order.objects.get()
    order_url = customer.url
    shot(customer, "booked")

    # The provider accepts in the inbox; the money is captured into escrow
    provider.goto(url + "/provider/orders/")
    provider.locator(".order-request").get_by_role("button", name="Accept").click()
    expect(provider.locator(".messages")).to_contain_text("Confirmed")
    provider.goto(order_url)
    expect(provider.locator("[data-expected-earnings]")).to_contain_text("CN¥169.15")
    shot(provider, "accepted")
    escrow = LedgerAccount.objects.get(kind=AccountKind.ORDER_ESCROW, order=order)
    assert escrow.balance == 19900 + 995

    # starts with the customer's code and delivers
    customer.reload()
    start_code = customer.locator("[data-start-code]").inner_text()
    provider.get_by_label("Start code").fill(start_code)
    provider.get_by_role("button", name="Start the job").click()
    expect(provider.locator(".order-head [data-order-state]")).to_have_text(
        "In service"
    )
    provider.get_by_role("button", name="Mark as done").click()
    expect(provider.locator(".order-head [data-order-state]")).to_have_text("Delivered")
    shot(provider, "delivered")

    # The customer confirms; escrow is released to the provider
    customer.reload()
    customer.get_by_role("button", name="Confirm it's done").click()
    expect(customer.locator(".order-head [data-order-state]")).to_have_text("Completed")
    expect(customer.locator("[data-payment-status]")).to_have_attribute(
        "data-payment-status", "released"
    )
    shot(customer, "completed")
    escrow.refresh_from_db()
    assert escrow.balance == 0

    # Both review; the reviews stay blind until both are in, then reveal
    review_url = f"{url}/orders/{order.public_id}/review/"
    customer.goto(review_url)
    _give_stars(customer, "Overall", "5 stars")
    customer.get_by_label("Your review").fill("Spotless, even behind the fridge.")
    customer.get_by_role("button", name="Submit review").click()
    expect(customer.locator("[data-review-pending]")).to_be_visible()
    shot(customer, "review-pending")
    provider.goto(review_url)
    expect(provider.get_by_text("behind the fridge")).to_have_count(0)
    _give_stars(provider, "Overall", "5 stars")
    provider.get_by_label("About this customer").fill("Clear instructions, kind.")
    provider.get_by_role("button", name="Submit review").click()
    expect(provider.get_by_text("Both reviews are now published")).to_be_visible()
    customer.reload()
    expect(customer.get_by_text("Clear instructions, kind.")).to_be_visible()
    shot(customer, "reviews-revealed")

    # The worker's scheduler clears the earnings: the provider sees them available
    _wait_for_available(provider, url, "CN¥169.15")
    assert JobRun.objects.filter(job__name="clear_pending_earnings", result=1).exists()
    shot(provider, "wallet")

    # sets up payouts on the gateway's onboarding page (the sandbox's here)
    provider.get_by_role("button", name="Set up payouts").click()
    expect(provider).to_have_url(re.compile(r"/sandbox/connect/acct_"))
    provider.get_by_role("button", name="Complete the details").click()
    expect(provider.locator("main")).to_contain_text("Payouts are set up")

    # and asks for a payout of all of it
    provider.get_by_label(re.compile(r"Amount in [A-Z]{3}")).fill("169.15")
    provider.get_by_role("button", name="Request payout").click()
    payout = PayoutRequest.objects.get()
    assert payout.amount == 16915
    shot(provider, "payout-requested")

    # Ops sign in with password and TOTP and approve the payout as a batch
    ops = _new_page(browser)
    _sign_in(ops, url, "ops@example.com")
    ops.locator("input[name=code]").fill(totp_code_for(data["secret"]))
    ops.locator("input[name=code]").press("Enter")
    expect(ops).not_to_have_url(re.compile(r"/accounts/"))
    ops.goto(url + "/ops/payouts/")
    expect(ops.locator("main")).to_contain_text("Mei Chen")
    shot(ops, "ops-payouts")
    ops.get_by_role("button", name="Approve selected as a batch").click()
    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.IN_TRANSIT
    sandbox.deliver_pending()
    payout.refresh_from_db()
    assert payout.status == PayoutRequest.Status.PAID
    shot(ops, "payout-approved")
