"""A dispatcher signs in with password and authenticator code, watches the
dispatch board (the open order on the map and in the list, its promise clock),
opens the order and gives it by hand to the worker she chooses, with a reason
— in a real Chromium on a live server."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, expect

from doorstep.audit.models import AuditEntry
from doorstep.dispatch.tests.helpers import (
    HOME,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.states import OrderState
from tests.factories import make_ops, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"tile\.openstreetmap\.org")
PASSWORD = "a-Very-long-passphrase-42"


def test_a_dispatcher_assigns_an_open_order_from_the_board(
    browser: Browser, live_server
):
    for_sale = service_in_shanghai()
    make_worker(for_sale.service.category, at=(HOME[0] + 0.01, HOME[1]))
    chosen = make_worker(
        for_sale.service.category, at=(HOME[0] + 0.03, HOME[1]), name="Li Na"
    )
    order = paid_dispatch_order(for_sale)
    dispatcher = make_ops("Dispatch", email="dispatch@example.com", password=PASSWORD)
    EmailAddress.objects.create(
        user=dispatcher, email=dispatcher.email, verified=True, primary=True
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # signs in with her password and her authenticator's code
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(dispatcher.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator("input[name=code]").fill(totp_code(dispatcher))
    page.locator("input[name=code]").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/"))

    # finds the board from the ops home and sees the order on the map and list
    page.goto(live_server.url + "/ops/")
    page.get_by_role("link", name="Dispatch board").click()
    expect(page.get_by_role("heading", name="Dispatch board")).to_be_visible()
    row = page.locator("[data-map-job]")
    expect(row).to_contain_text(order.public_id)
    expect(row).to_contain_text("min left")
    expect(page.locator(".dispatch-marker--job")).to_have_count(1)
    expect(page.locator(".dispatch-marker--worker")).to_have_count(2)

    # opens the order and gives it to Li Na, saying why
    row.get_by_role("link", name=order.public_id).click()
    page.get_by_label(re.compile("Li Na")).check()
    page.get_by_label("Why (for the audit trail)").fill("Li Na knows the building")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("body")).to_contain_text("Assigned. The worker is told.")

    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED
    assert order.provider == chosen.provider
    assert AuditEntry.objects.get(action="orders.assign").reason == (
        "Li Na knows the building"
    )
    assert errors == []
