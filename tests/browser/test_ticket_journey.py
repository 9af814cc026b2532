"""A customer asks for help with an order, attaching a photo; a support agent
(signed in with password and authenticator code) answers with a canned reply
and marks it solved; the customer reads the answer and rates the help — in a
real Chromium on a live server."""

import re
from io import BytesIO

import pytest
from allauth.account.models import EmailAddress
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from doorstep.audit.models import AuditEntry
from doorstep.support.models import Ticket
from doorstep.support.tickets import save_canned_reply
from tests.factories import make_ops, make_order, make_user, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"
CANNED = "We are sorry. The provider will come back to repair it for free."


@pytest.fixture(autouse=True)
def _deferred_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }


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


def _photo() -> dict:
    buffer = BytesIO()
    Image.new("RGB", (400, 300), "#fde68a").save(buffer, "JPEG")
    return {
        "name": "scratch.jpg",
        "mimeType": "image/jpeg",
        "buffer": buffer.getvalue(),
    }


def test_a_customer_gets_help_with_an_order_and_rates_the_answer(
    browser: Browser, live_server
):
    customer = make_user(email="mei@example.com", name="Mei", password=PASSWORD)
    EmailAddress.objects.create(
        user=customer, email=customer.email, verified=True, primary=True
    )
    order = make_order(customer=customer)
    agent = make_ops("Support", email="sam@example.com", password=PASSWORD)
    EmailAddress.objects.create(
        user=agent, email=agent.email, verified=True, primary=True
    )
    save_canned_reply(agent=agent, title="Free repair", body_en=CANNED)

    # The customer asks for help from the order's page, with a photo.
    page, page_errors = _new_page(browser)
    _sign_in(page, live_server.url, customer.email)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto(live_server.url + order.get_absolute_url())
    page.get_by_role("link", name="Get help with this order").click()
    expect(page.get_by_label("Which order?")).to_have_value(order.public_id)
    page.get_by_label("Subject").fill("Scratched floor")
    page.get_by_label("How can we help?").fill("The ladder scratched the floor.")
    page.get_by_label("Attachments").set_input_files(_photo())
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("heading", name="Scratched floor")).to_be_visible()
    expect(page.locator("[data-ticket-status]")).to_have_text("New")
    expect(page.locator("[data-attachment]")).to_have_count(1)
    ticket = Ticket.objects.get()
    assert ticket.order == order

    # The agent signs in with password and code, finds it and answers it.
    desk, desk_errors = _new_page(browser)
    _sign_in(desk, live_server.url, agent.email)
    desk.locator("input[name=code]").fill(totp_code(agent))
    desk.locator("input[name=code]").press("Enter")
    expect(desk).not_to_have_url(re.compile(r"/accounts/"))
    desk.goto(live_server.url + "/ops/")
    desk.get_by_role("link", name="Support tickets nobody has taken").click()
    desk.get_by_role("link", name="Scratched floor").click()
    desk.get_by_role("button", name="Take it").click()
    expect(desk.locator("body")).to_contain_text("Saved.")
    desk.get_by_label("Canned reply").select_option(label="Free repair")
    desk.get_by_role("button", name="Insert").click()
    expect(desk.get_by_label("Message")).to_have_value(CANNED)
    desk.get_by_label("Then set the ticket to").select_option("solved")
    desk.get_by_role("button", name="Send", exact=True).click()
    expect(desk.locator("body")).to_contain_text("Reply sent.")

    # The customer reads the answer and rates the help.
    page.reload()
    expect(page.locator(".ticket-conversation")).to_contain_text(CANNED)
    expect(page.locator("[data-ticket-status]")).to_have_text("Solved")
    page.get_by_label("Good, I'm satisfied").check()
    page.get_by_label("Anything to add?").fill("Quick answer, thank you.")
    page.get_by_role("button", name="Send rating").click()
    expect(page.locator("body")).to_contain_text("Thank you for your rating.")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating, ticket.assignee) == ("solved", "good", agent)
    assert ticket.first_response_at is not None
    assert AuditEntry.objects.filter(action="support.reply").count() == 1
    assert page_errors == []
    assert desk_errors == []
