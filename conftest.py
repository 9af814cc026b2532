"""Fixtures shared by every test: people in each role, API clients, the browser."""

import os
import shutil
from pathlib import Path

import pytest

from doorstep.notifications.sms import OutboxSmsSender

CHROMIUM = os.environ.get("DOORSTEP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"
BROWSER_MISSING = f"{CHROMIUM} not installed"


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None


def pytest_configure(config):
    # Checked here, not at collection: under xdist only the workers collect, and
    # an error there reaches the main process as a crash of the first test.
    if os.environ.get("DOORSTEP_REQUIRE_BROWSER") and not chromium_available():
        raise pytest.UsageError(
            f"Browser tests required but {CHROMIUM} is missing: "
            "apt-get install -y --no-install-recommends chromium"
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # Browser tests last: Playwright's sync API keeps an event loop running in
    # the main thread for the rest of the session, where Channels' and ASGI
    # tests (async_to_sync) can no longer run. Under xdist every worker sorts
    # alike and ``make pytest`` hands tests out in this order (loadgroup, no
    # reorder), so in each worker too no such test follows a browser test.
    items.sort(key=lambda item: "browser" in item.keywords)
    if chromium_available():
        return
    skip = pytest.mark.skip(reason=BROWSER_MISSING)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    # Counted from the reports, which xdist's workers send to the main process
    # (where nothing is collected).
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if BROWSER_MISSING in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} browser tests did not run: {CHROMIUM} is "
            "missing. Enable them with: "
            "sudo apt-get install -y --no-install-recommends chromium"
        )


# The reference data that data migrations write (ops roles and their
# permissions, the operator's settings row and cities, the document types): a
# flush deletes it, and every test may expect the database as migrate left it.
MIGRATION_SEEDS = (
    ("doorstep.backoffice.migrations.0001_ops_roles", "create_roles"),
    ("doorstep.backoffice.migrations.0002_trust_console_roles", "grant"),
    ("doorstep.backoffice.migrations.0004_dispatch_roles", "grant"),
    ("doorstep.backoffice.migrations.0006_support_roles", "grant"),
    ("doorstep.backoffice.migrations.0009_growth_roles", "grant"),
    ("doorstep.marketplace.migrations.0002_opsettings_seed", "seed"),
    ("doorstep.trust.migrations.0003_onboard_document_types", "seed"),
    ("doorstep.support.migrations.0003_ticket_desk", "seed"),
    ("doorstep.support.migrations.0007_queue_names", "name_queues"),
)


@pytest.fixture(scope="session", autouse=True)
def _flush_may_wipe_the_ledger():
    """Transactional tests end with ``flush``; the ledger's delete triggers let
    exactly that through (see doorstep.payments.guards). After it, the data the
    migrations seed is written again, so the next test starts from the database
    as migrated whichever test ran before it."""
    import importlib

    from django.apps import apps
    from django.core.management.commands import flush

    from doorstep.payments.guards import ledger_purge_allowed

    original = flush.Command.handle

    def handle(self, *args, **options):
        with ledger_purge_allowed():
            result = original(self, *args, **options)
        for module, function in MIGRATION_SEEDS:
            getattr(importlib.import_module(module), function)(apps, None)
        return result

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def _clean_outboxes(settings):
    OutboxSmsSender.outbox.clear()
    settings.RATELIMIT_ENABLE = True
    from django.core.cache import cache

    cache.clear()
    yield
    OutboxSmsSender.outbox.clear()


@pytest.fixture
def sms_outbox() -> list:
    return OutboxSmsSender.outbox


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- Browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _allow_sync_orm_beside_playwright():
    # Playwright's sync API runs an event loop in the test thread; Django's ORM
    # refuses to run there unless told this is fine (it is: the loop is idle).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
