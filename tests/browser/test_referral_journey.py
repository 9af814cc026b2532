"""Issue 15's referral loop, in real browsers against a live server: a customer
copies her invitation link; a friend opens it, sees who invited him and the
welcome offer, signs up (the link from the e-mail), books with her code in the
booking form and pays the discounted price on the sandbox's card page; the
provider accepts, starts with the code and delivers, and the friend confirms.
Nobody settles anything by hand: a real worker's scheduler runs
``settle_order_rewards`` every few seconds and, the dispute window being 0 days
here, pays the inviter her credit once the friend's order is completed. She sees
it on her rewards page and spends it on her own booking: the total drops by it.
"""

import re
import time as clock
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from doorstep.growth.models import Campaign, Coupon, Referral
from doorstep.orders.models import Order
from doorstep.periodic.models import JobRun
from doorstep.scheduling.services import WeeklyHours, replace_availability
from tests.factories import make_category, make_listing, make_provider, make_user
from tests.live_worker import running_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"
CARD = "4242 4242 4242 4242"
SETTLE_EVERY = 2  # seconds between the worker's settlements


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    # Money flows run as the transitions commit (immediate task backend); the
    # sandbox's webhooks wait for whoever wants them (nobody here).
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_CURRENCY = "CNY"
    settings.MEDIA_ROOT = tmp_path / "media"
    # The journey books days ahead and does the job at once.
    settings.DOORSTEP_START_WINDOW_MINUTES = 7 * 24 * 60
    # A completed order's rewards fall due at once (production: 7 days).
    settings.DOORSTEP_DISPUTE_WINDOW_DAYS = 0


@pytest.fixture
def worker(live_server, tmp_path, monkeypatch):
    """A real worker on the live server's database whose scheduler settles due
    rewards every few seconds; its settings read the dispute window from the
    environment (tests/worker_settings.py imports doorstep.settings)."""
    monkeypatch.setenv("DOORSTEP_DISPUTE_WINDOW_DAYS", "0")
    log = tmp_path / "worker.log"
    with running_worker(
        log=log, schedule={"settle_order_rewards": {"every": SETTLE_EVERY}}
    ) as process:
        yield process
    assert process.returncode in (0, -15), log.read_text()[-3000:]


def _person(email: str, name: str, **fields):
    user = make_user(email=email, name=name, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _seed() -> dict:
    # An existing customer (joined two months ago), a provider's listing, and
    # the referral programme in CNY: CN¥25 off a friend's first booking, CN¥20
    # of credit to the inviter once it is done.
    inviter = _person(
        "cora@example.com",
        "Cora Lin",
        date_joined=timezone.now() - timedelta(days=60),
    )
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
    programme = Campaign.objects.create(
        name="Friends", kind="referral", currency="CNY", reward_amount=2_000
    )
    Coupon.objects.create(
        code="WELCOME25",
        campaign=programme,
        kind="fixed",
        amount=2_500,
        currency="CNY",
        first_order_only=True,
    )
    return {"inviter": inviter, "listing": listing}


def _new_page(browser: Browser, problems: list[str]) -> Page:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        timezone_id="Asia/Shanghai",
        locale="en-US",
    )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))

    def console(message) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "") if message.location else ""
        if TILES.search(location) or "Failed to load resource" in message.text:
            return
        problems.append(f"console: {message.text}")

    page.on("console", console)
    return page


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _request_to_book(page: Page, url: str, listing, start: datetime) -> None:
    page.goto(f"{url}/services/{listing.public_id}/")
    page.get_by_role("link", name="Request to book").click()
    # htmx wires the picker when the page has loaded; a click before that
    # changes the radio without asking the server for the day's times.
    page.wait_for_load_state("load")
    page.locator(f'input[name=date][value="{start.date().isoformat()}"]').check()
    page.locator(f'input[name=starts_at][value="{start.isoformat()}"]').check()
    page.get_by_label("Address").fill("Room 1203, 88 Huaihai Road")


def _pay(page: Page, amount: str) -> None:
    """On the sandbox's hosted card page: the amount held, then the card."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox payment page")
    expect(page.locator(".sandbox-pay")).to_contain_text(f"Amount to hold: {amount}")
    page.get_by_label("Card number").fill(CARD)
    page.get_by_role("button", name="Pay").click()


def _wait_for_credit(page: Page, url: str, amount: str) -> None:
    """The inviter looks at her rewards page until the worker's settlement has
    paid her (within a few seconds of the friend's order completing)."""
    credit = page.locator('[data-balance="CNY"] [data-credit]')
    deadline = clock.monotonic() + 60
    page.goto(url + "/rewards/")
    while clock.monotonic() < deadline:
        if credit.count() and amount in credit.inner_text():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(credit).to_have_text(amount)


def test_a_friend_joins_through_the_link_and_the_inviter_spends_the_credit(
    live_server, worker, browser: Browser, mailoutbox, artifacts_dir
):
    data = _seed()
    listing = data["listing"]
    url = live_server.url
    problems: list[str] = []
    step = iter(range(1, 100))
    for stale in artifacts_dir.glob("referral-*.png"):
        stale.unlink()

    def shot(page: Page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(
            path=artifacts_dir / f"referral-{next(step):02d}-{name}.png",
            full_page=True,
        )

    # The inviter opens her invitation and copies the link
    inviter = _new_page(browser, problems)
    inviter.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    _sign_in(inviter, url, "cora@example.com")
    inviter.locator("summary", has_text="Account menu").click()
    inviter.get_by_role("link", name="Invite friends").first.click()
    expect(inviter.get_by_role("heading", level=1)).to_have_text("Invite friends")
    expect(inviter.locator("main")).to_contain_text(
        "Your friends get CN¥25.00 off their first booking; "
        "you get CN¥20.00 in credit once it is done."
    )
    code = inviter.locator("[data-referral-code]").get_attribute("data-referral-code")
    assert re.fullmatch(r"CORA[A-Z2-9]{4}", code or ""), code
    link = f"{url}/r/{code}/"
    expect(inviter.locator(".share__url")).to_have_value(link)
    inviter.get_by_role("button", name="Copy link").click()
    expect(inviter.locator("[data-share-status]")).to_have_text("Link copied")
    copied = inviter.evaluate("navigator.clipboard.readText()")
    assert copied == link
    shot(inviter, "invite")

    # The friend, in a browser of his own, opens it: who invited him, the offer
    friend = _new_page(browser, problems)
    friend.goto(copied)
    expect(friend.get_by_role("heading", level=1)).to_have_text(
        "Cora invited you — get CN¥25.00 off your first booking"
    )
    expect(friend.locator("[data-referral-landing]")).to_contain_text(code)
    shot(friend, "landing")

    # signs up there and confirms his address from the e-mail
    friend.locator("[data-sign-up]").click()
    friend.get_by_label("Email").fill("dan@example.com")
    friend.get_by_label("Your name").fill("Dan Wu")
    friend.get_by_label("Password").fill(PASSWORD)
    friend.get_by_label("I agree to the terms").check()
    friend.get_by_role("button", name="Create account").click()
    expect(friend.get_by_role("heading", name="Check your email")).to_be_visible()
    (to_dan,) = [mail for mail in mailoutbox if mail.to == ["dan@example.com"]]
    confirm = re.search(r"https?://\S+/accounts/confirm-email/\S+/", to_dan.body)
    assert confirm, to_dan.body
    # and Cora hears that her friend joined (the rewards notice, by e-mail too)
    assert any(
        mail.to == ["cora@example.com"]
        and "Dan joined through your invitation" in mail.body
        for mail in mailoutbox
    ), [mail.subject for mail in mailoutbox]
    friend.goto(confirm.group(0))
    friend.get_by_role("button", name="Confirm").click()
    expect(friend.get_by_role("banner")).to_contain_text("Dan Wu")
    referral = Referral.objects.get()
    assert (referral.inviter, referral.invitee.email, referral.status) == (
        data["inviter"],
        "dan@example.com",
        Referral.Status.JOINED,
    )

    # books a slot two days ahead with her code in the booking form
    day = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=2)
    start = datetime.combine(day, time(10)).replace(tzinfo=SHANGHAI)
    _request_to_book(friend, url, listing, start)
    friend.get_by_label("Promo code").fill(code.lower())
    shot(friend, "book-with-code")
    friend.get_by_role("button", name="Request to book").click()

    # pays the discounted price: CN¥199.00 − CN¥25.00 + CN¥9.95 service fee
    _pay(friend, "CN¥183.95")
    expect(friend.locator(".order-head [data-order-state]")).to_have_text(
        "Waiting for the provider"
    )
    expect(friend.locator("[data-price-discount]")).to_contain_text("−CN¥25.00")
    expect(friend.locator("[data-price-total]")).to_have_text("CN¥183.95")
    order_url = friend.url
    shot(friend, "friend-booked")

    # The provider accepts, starts with the friend's code and delivers
    provider = _new_page(browser, problems)
    _sign_in(provider, url, "mei@example.com")
    provider.goto(url + "/provider/orders/")
    provider.locator(".order-request").get_by_role("button", name="Accept").click()
    expect(provider.locator(".messages")).to_contain_text("Confirmed")
    provider.goto(order_url)
    friend.reload()
    start_code = friend.locator("[data-start-code]").inner_text()
    provider.get_by_label("Start code").fill(start_code)
    provider.get_by_role("button", name="Start the job").click()
    expect(provider.locator(".order-head [data-order-state]")).to_have_text(
        "In service"
    )
    provider.get_by_role("button", name="Mark as done").click()
    expect(provider.locator(".order-head [data-order-state]")).to_have_text("Delivered")

    # The friend confirms: his first order is completed
    friend.reload()
    friend.get_by_role("button", name="Confirm it's done").click()
    expect(friend.locator(".order-head [data-order-state]")).to_have_text("Completed")
    shot(friend, "friend-completed")

    # The worker's settlement pays the inviter; she sees the credit
    _wait_for_credit(inviter, url, "CN¥20.00")
    assert JobRun.objects.filter(job__name="settle_order_rewards", result=1).exists()
    expect(inviter.locator('[data-move="earned"]', has_text="Credit")).to_contain_text(
        "+CN¥20.00"
    )
    shot(inviter, "credit")
    inviter.get_by_role("link", name="Invite friends").click()
    friend_row = inviter.locator("[data-friend-status]").filter(has_text="Dan")
    expect(friend_row).to_have_attribute("data-friend-status", "rewarded")
    expect(friend_row).to_contain_text("CN¥20.00")

    # She books for herself, leaves the card page for her order's page, and
    # spends the credit there: the total drops by CN¥20.00
    later = start + timedelta(days=1)
    _request_to_book(inviter, url, listing, later)
    inviter.get_by_role("button", name="Request to book").click()
    expect(inviter.get_by_role("heading", level=1)).to_have_text("Sandbox payment page")
    inviter.get_by_role("link", name="Cancel and go back to the shop").click()
    total = inviter.locator("[data-price-total]")
    expect(total).to_have_text("CN¥208.95")
    box = inviter.locator("[data-discounts]")
    box.get_by_label(re.compile(r"Use my credit")).check()
    box.get_by_role("button", name="Apply").click()
    expect(inviter.locator("[data-discount-credit]")).to_contain_text("−CN¥20.00")
    expect(total).to_have_text("CN¥188.95")
    shot(inviter, "credit-applied")

    # and pays the rest; the credit is spent
    inviter.get_by_role("link", name="Complete payment").click()
    _pay(inviter, "CN¥188.95")
    expect(inviter.locator(".order-head [data-order-state]")).to_have_text(
        "Waiting for the provider"
    )
    own = Order.objects.exclude(customer__email="dan@example.com").get()
    assert (own.customer, own.total_amount) == (data["inviter"], 18895)
    inviter.goto(url + "/rewards/")
    expect(inviter.locator('[data-balance="CNY"] [data-credit]')).to_have_text(
        "CN¥0.00"
    )
    shot(inviter, "credit-spent")
    assert problems == []
