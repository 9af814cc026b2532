"""A visitor shares a service: the page's preview points to a drawn picture,
"Copy link" puts the page's address on the clipboard and says so, the app links
carry it, and the QR code for WeChat opens — in a real Chromium on a live
server, under the site's strict CSP (no inline script)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import make_category, make_listing, make_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILES = re.compile(r"tile\.openstreetmap\.org")


def test_a_visitor_copies_the_link_of_a_service(live_server, browser: Browser):
    # Given a published service
    listing = make_listing(
        provider=make_provider(display_name="Mei Chen"),
        category=make_category("deep-cleaning", name_en="Deep cleaning"),
        title="Deep cleaning, one-bedroom flat",
    )
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    page = context.new_page()
    page.route(TILES, lambda route: route.abort())
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
    page_url = f"{live_server.url}/services/{listing.public_id}/"

    # When she opens its page
    page.goto(page_url)

    # Then its preview is a drawn 1200×630 picture at an absolute address
    image_url = page.locator('meta[property="og:image"]').get_attribute("content")
    assert image_url.startswith(f"{live_server.url}/share/listing/")
    picture = page.request.get(image_url)
    assert picture.status == 200
    assert picture.headers["content-type"] == "image/png"

    # When she clicks "Copy link"
    share = page.locator("[data-share]")
    share.get_by_role("button", name="Copy link").click()

    # Then she is told, and the page's address is on the clipboard
    expect(share.get_by_role("status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == page_url

    # And WhatsApp would get the title and the address
    whatsapp = share.get_by_role("link", name="WhatsApp").get_attribute("href")
    assert parse_qs(urlsplit(whatsapp).query)["text"] == [
        f"Deep cleaning, one-bedroom flat {page_url}"
    ]

    # And the QR code for WeChat opens on demand
    qr = share.locator("svg.share__qr")
    expect(qr).to_be_hidden()
    share.get_by_text("WeChat: scan a QR code").click()
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] == pytest.approx(box["height"])
    assert box["width"] >= 120

    assert problems == []
    context.close()
