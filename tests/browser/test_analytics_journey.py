"""An ops analyst signs in with password and authenticator code, opens the
analytics dashboard from the ops home, sees the charts drawn (no script errors
under the CSP), switches to weekly and downloads a chart's CSV — in a real
Chromium on a live server."""

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, expect

from tests.factories import make_ops, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Very-long-passphrase-42"


def test_ops_switch_the_dashboard_to_weekly_and_download_a_csv(
    browser: Browser, live_server
):
    analyst = make_ops("Finance", email="finance@example.com", password=PASSWORD)
    EmailAddress.objects.create(
        user=analyst, email=analyst.email, verified=True, primary=True
    )
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(analyst.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.locator("input[name=code]").fill(totp_code(analyst))
    page.locator("input[name=code]").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/"))

    page.goto(live_server.url + "/ops/")
    page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()
    expect(page.locator("#metric-orders canvas")).to_be_visible()
    # Chart.js drew on the canvas (it sizes it and registers the chart).
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.querySelector("
        "'#metric-orders canvas')) !== undefined"
    )

    page.get_by_label("Show by").select_option("week")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"grain=week"))
    expect(page.get_by_label("Show by")).to_have_value("week")

    link = page.locator("a[data-csv='orders']")
    expect(link).to_have_attribute("href", re.compile(r"grain=week"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("orders-")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("metric,start,currency,value")
    assert len(text.splitlines()) > 1
    assert errors == []
    context.close()
