"""A customer asks a provider a question before booking; the provider, whose page
is already open, sees it arrive without reloading, answers, and the customer sees
the answer and "Seen" — live, over a WebSocket, in two real Chromium contexts.

Why uvicorn in a thread and not pytest-django's ``live_server``: that server is
WSGI, which cannot speak WebSocket. Channels' ``ChannelsLiveServerTestCase`` needs
Daphne, which Doorstep does not install. So the test runs the real ASGI
application (``doorstep.asgi``: Channels router, session auth, origin check) under
uvicorn — what ``doorstep serve`` runs — in a background thread of this process.
A thread, not a subprocess, because it then shares the test database (SQLite file
or PostgreSQL) and the in-memory channel layer with nothing else to configure.
"""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.factories import make_listing, make_provider, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 4_000  # well under the 5 s polling interval: only the socket is that fast


class AsgiServer:
    def __init__(self) -> None:
        from doorstep.asgi import application

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            ASGIStaticFilesHandler(application),  # static files, as runserver does
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            ws="websockets-sansio",
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "AsgiServer":
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        # The server's worker threads kept database connections open; the test
        # database cannot be flushed or dropped under them.
        connections.close_all()


@pytest.fixture
def asgi_server(settings, tmp_path) -> Iterator[AsgiServer]:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    for connection in connections.all():
        # Each request thread closes its connection at the end of the request,
        # so none outlives the test.
        connection.settings_dict["CONN_MAX_AGE"] = 0
    with AsgiServer() as server:
        yield server


def _signed_in(browser: Browser, server: AsgiServer, user) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 900, "height": 900})
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": server.url,
            }
        ]
    )
    return context


def _watch_for_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def console(message) -> None:
        # Map tiles cannot load here (no internet); any other error is a bug.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", console)
    return errors


def test_customer_and_provider_chat_live_before_booking(
    asgi_server, browser: Browser, artifacts_dir
):
    mei = make_provider(
        display_name="Mei Chen", user=make_user(name="Mei Chen"), verified=True
    )
    listing = make_listing(provider=mei, title="Deep cleaning, one-bedroom flat")
    cora = make_user(name="Cora Lin")

    # The provider has her messages open.
    provider = _signed_in(browser, asgi_server, mei.user).new_page()
    provider_errors = _watch_for_errors(provider)
    # The customer finds the service and asks the provider a question.
    customer = _signed_in(browser, asgi_server, cora).new_page()
    customer_errors = _watch_for_errors(customer)
    customer.goto(f"{asgi_server.url}/services/{listing.public_id}/")
    customer.get_by_role("button", name="Message the provider").click()
    expect(customer.get_by_role("heading", name="Mei Chen")).to_be_visible()
    expect(customer.locator("#chat-status")).to_have_text("Live")

    provider.goto(customer.url)
    expect(provider.locator("#chat-status")).to_have_text("Live")
    # With the socket up, the page stops polling: what arrives now came live.
    expect(provider.locator("#thread-poller")).to_have_count(0)
    provider.evaluate("window.sameDocument = true")

    box = customer.get_by_role("textbox", name="Message")
    box.fill("Hello! Do you bring your own cleaning products?")
    customer.get_by_role("button", name="Send").click()

    provider_thread = provider.locator("#thread-messages")
    expect(provider_thread).to_contain_text(
        "Do you bring your own cleaning products?", timeout=LIVE
    )
    assert provider.evaluate("window.sameDocument") is True  # no reload

    # Trying to move the deal off the platform: the number is hidden, and the
    # customer is told why, beside the composer.
    box.fill("Easier by phone: 138 0013 8000")
    customer.get_by_role("button", name="Send").click()
    expect(customer.locator("#composer-notice")).to_contain_text("phone numbers")
    expect(provider_thread).to_contain_text("Easier by phone: •••", timeout=LIVE)
    expect(provider_thread).not_to_contain_text("8000")

    # The provider answers; the customer sees it, and that the provider read hers.
    provider.get_by_role("textbox", name="Message").fill(
        "Yes, all products are included. Shall we keep it here on Doorstep?"
    )
    provider.get_by_role("button", name="Send").click()
    customer_thread = customer.locator("#thread-messages")
    expect(customer_thread).to_contain_text("all products are included", timeout=LIVE)
    expect(customer.locator("#thread-seen")).to_have_text("Seen", timeout=LIVE)
    expect(customer.locator(".bubble")).to_have_count(3)
    expect(provider.locator(".bubble")).to_have_count(3)

    customer.screenshot(path=artifacts_dir / "messaging-customer.png", full_page=True)
    provider.screenshot(path=artifacts_dir / "messaging-provider.png", full_page=True)

    # The inbox of the provider lists the conversation.
    provider.goto(f"{asgi_server.url}/messages/")
    expect(provider.get_by_role("link", name="Cora Lin")).to_be_visible()
    provider.screenshot(path=artifacts_dir / "messaging-inbox.png", full_page=True)

    # No script errors, no Content-Security-Policy violations (connect-src
    # 'self' must allow the same-origin ws: URL).
    assert provider_errors == []
    assert customer_errors == []
