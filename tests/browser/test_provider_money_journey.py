"""Issue 16's provider money journey, in a real Chromium against a live server:
a provider opens Plans, subscribes to the plan ops offer paying with a new card
on the sandbox gateway's own page, and wears the plan's badge; she promotes her
listing for three days from its promotion page, paid from her balance. Then the
month ends: the scheduler's due jobs run, and on Invoices & statements she finds
the month's statement listing the promotion and, charged to her card, the plan;
its PDF downloads with its number.

The whole story happens last month: the process's clock (``timezone.now``,
which the live server's thread reads too) starts six days before this month
began and ticks from there; the month ends when it is put back to real time.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from doorstep.core.money import Money
from doorstep.invoicing.models import Document, DocumentKind
from doorstep.periodic.services import run_due_jobs
from doorstep.promotions.pricing import day_price
from doorstep.subscriptions.models import Plan, PlanPrice
from tests.factories import make_category, make_listing, make_provider, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"
CARD = "4242 4242 4242 4242"
PLAN_PRICE = 9_900  # CN¥99.00 a month
DAY_PRICE = 1_000  # CN¥10.00 a day of promotion


class TickingClock:
    """Real time moved by ``offset``: timestamps keep their order."""

    def __init__(self, start: datetime) -> None:
        self.offset = start - datetime.now(tz=ZoneInfo("UTC"))

    def __call__(self) -> datetime:
        return datetime.now(tz=ZoneInfo("UTC")) + self.offset

    def back_to_real_time(self) -> None:
        self.offset = timedelta(0)


@contextmanager
def clock_at(start: datetime) -> Iterator[TickingClock]:
    """``timezone.now`` (and the model fields defaulting to it, which bound the
    original function) answers ``clock()`` inside the block — as
    ``doorstep.demo.clock.moved_clock`` does with a clock that stands still."""
    original = timezone.now
    clock = TickingClock(start)
    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if getattr(field, "default", None) is original
    ]
    for field in fields:
        field.default = clock
        field.__dict__.pop("_get_default", None)
    try:
        with mock.patch.object(timezone, "now", clock):
            yield clock
    finally:
        for field in fields:
            field.default = original
            field.__dict__.pop("_get_default", None)


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    # Money flows run as they commit; the sandbox's webhooks wait for nobody.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_CURRENCY = "CNY"
    settings.DOORSTEP_PROMOTION_DAY_PRICE = DAY_PRICE
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "doorstep.trust.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


def _seed() -> dict:
    user = make_user(email="mei@example.com", name="Mei Chen", password=PASSWORD)
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    mei = make_provider(
        user=user, display_name="Mei Chen", verified=True, time_zone="Asia/Shanghai"
    )
    listing = make_listing(
        provider=mei,
        category=make_category("deep-cleaning", name_en="Deep cleaning"),
        title="Deep cleaning, one-bedroom flat",
        price=19_900,
        currency="CNY",
    )
    # The plan ops offer.
    plan = Plan.objects.create(
        name_en="Pro", badge_en="Pro", commission_discount_bps=300, extra_photos=5
    )
    PlanPrice.objects.create(
        plan=plan, currency="CNY", interval="month", amount=PLAN_PRICE
    )
    return {"provider": mei, "listing": listing, "plan": plan}


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
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(f"console: {message.text}")

    page.on("console", console)
    return page


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill("mei@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _menu(page: Page, name: str) -> None:
    page.locator("details.menu summary").click()
    page.locator(".menu__panel").get_by_role("link", name=name, exact=True).click()


def test_a_provider_subscribes_promotes_and_finds_both_on_her_statement(
    live_server, browser: Browser, artifacts_dir
):
    this_month = (
        timezone.now()
        .astimezone(SHANGHAI)
        .replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    )
    last_month = this_month - timedelta(days=6) + timedelta(hours=10)
    problems: list[str] = []
    with clock_at(last_month) as clock:
        data = _seed()
        listing = data["listing"]
        promotion = Money(3 * day_price("CNY"), "CNY").format()
        run_due_jobs()  # the scheduler's first tick: the daily jobs get their times

        # Given Mei signed in, on Plans from her menu
        page = _new_page(browser, problems)
        _sign_in(page, live_server.url)
        page.goto(live_server.url + "/")
        _menu(page, "Plans")
        expect(page.get_by_role("heading", level=1)).to_have_text("Plans")
        plan_card = page.locator(f'[data-plan-id="{data["plan"].public_id}"]')
        expect(plan_card).to_contain_text("CN¥99.00")

        # When she pays for Pro with a new card on the gateway's page
        plan_card.get_by_role("button", name="Pay with a new card").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Sandbox payment page"
        )
        page.get_by_label("Card number").fill(CARD)
        page.get_by_role("button", name="Pay").click()

        # Then she is back on Plans, on Pro, and wears its badge
        expect(page.get_by_role("heading", level=1)).to_have_text("Plans")
        expect(page.locator(".messages")).to_contain_text("Welcome to your new plan")
        current = page.locator('[data-subscription-status="active"]')
        expect(current).to_contain_text("Your plan: Pro")
        expect(page.locator("[data-charge-id]")).to_contain_text("First period · Pro")
        page.goto(f"{live_server.url}/providers/{data['provider'].public_id}/")
        expect(page.locator("[data-plan-badge]").first).to_have_text("Pro")

        # When she promotes her listing for three days from its promotion page
        _menu(page, "My services")
        page.get_by_role("link", name=listing.title).first.click()
        page.get_by_role("link", name="Promote this service").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Promote this service"
        )
        page.get_by_label("A fixed number of days, paid now").check()
        page.get_by_label("How many days").select_option("3")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".price-breakdown")).to_contain_text(promotion)
        page.get_by_role("button", name="Confirm and pay").click()
        expect(page.locator(".messages")).to_contain_text("is promoted")
        expect(page.locator("[data-promotion]")).to_contain_text(promotion)
        page.screenshot(path=artifacts_dir / "money-promoted.png", full_page=True)
        page.context.close()

        # When the month ends and the scheduler runs what is due
        clock.back_to_real_time()
        runs = {run.job.name: run for run in run_due_jobs()}
        assert "issue_monthly_statements" in runs
        # nothing for ops to look at: the nightly reconcile knows the plan's
        # charge paid on the gateway's page
        assert {
            name: run.error for name, run in runs.items() if run.status != "ok"
        } == {}
        statement = Document.objects.get(
            kind=DocumentKind.STATEMENT, recipient_provider=data["provider"]
        )

        # Then, signed in again, she finds it under Invoices & statements
        page = _new_page(browser, problems)
        _sign_in(page, live_server.url)
        _menu(page, "Wallet")
        page.get_by_role("link", name="Invoices & statements").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Invoices & statements"
        )
        row = page.locator(f'[data-document="{statement.public_id}"]')
        expect(row).to_contain_text(statement.display_number)
        expect(row).to_contain_text("Monthly statement")
        expect(row).to_contain_text(f"{last_month:%B %Y}")
        row.get_by_text("What it lists").click()
        lines = row.locator("[data-statement-lines]")
        expect(lines.locator('[data-line="fees"]')).to_contain_text(
            "Promotion of a service"
        )
        expect(lines.locator('[data-line="fees"]')).to_contain_text(promotion)
        plan_line = lines.locator('[data-section="card"]')
        expect(plan_line).to_contain_text("First period · Pro")
        expect(plan_line).to_contain_text("CN¥99.00")
        page.screenshot(path=artifacts_dir / "money-statement.png", full_page=True)

        # and downloads its PDF (with her session, as the link does)
        link = row.get_by_role("link", name="Download PDF")
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert f"{statement.display_number}.pdf" in response.headers.get(
            "content-disposition", ""
        )
        content = response.body()
        assert content.startswith(b"%PDF")
        assert statement.display_number.encode() in content
        assert b"Charged to your card" in content
        assert b"Promotion of a service" in content

    assert problems == []
