"""/metrics: refused to strangers, and counting what happened — requests, a
booking's outcomes and its payment's, the task queue, across processes."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from doorstep.observability import metrics
from doorstep.orders.engine import apply_transition
from doorstep.orders.tests.conftest import book_and_pay, booking
from doorstep.payments.gateways import sandbox
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_user

TOKEN = "scrape-token-for-tests"
ROOT = Path(__file__).resolve().parents[4]


def _scrape(client: Client | None = None) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    assert response.status_code == 200
    return _samples(response.content.decode())


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _status_class(samples, status: str) -> float:
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "doorstep_http_requests_total" and ("status", status) in labels
    )


@pytest.fixture
def scraper(settings):
    settings.DOORSTEP_METRICS_TOKEN = TOKEN
    settings.DOORSTEP_METRICS_ALLOWED_IPS = ""


# --- Who may scrape ---------------------------------------------------------------


@pytest.mark.django_db
def test_metrics_do_not_exist_unless_configured(settings):
    settings.DOORSTEP_METRICS_TOKEN = ""
    settings.DOORSTEP_METRICS_ALLOWED_IPS = ""

    assert Client().get("/metrics").status_code == 404


@pytest.mark.django_db
@pytest.mark.usefixtures("scraper")
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN]
)
def test_metrics_are_refused_without_the_token(authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = Client().get("/metrics", **headers)

    assert response.status_code == 401
    assert b"doorstep_" not in response.content


@pytest.mark.django_db
def test_metrics_are_served_to_allowed_addresses_only(settings):
    settings.DOORSTEP_METRICS_TOKEN = ""
    settings.DOORSTEP_METRICS_ALLOWED_IPS = "10.1.0.0/16, 192.0.2.7"

    assert Client(REMOTE_ADDR="10.1.200.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.7").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.2.0.1").get("/metrics").status_code == 401


# --- What is counted --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("scraper")
def test_a_request_is_counted_by_route_and_status_class():
    before = _scrape()

    Client().get("/accounts/login/")
    Client().get("/no-such-page-here/")

    after = _scrape()
    route = {"method": "GET", "route": "account_login", "status": "2xx"}
    assert _value(after, "doorstep_http_requests_total", **route) == (
        _value(before, "doorstep_http_requests_total", **route) + 1
    )
    assert _status_class(after, "4xx") == _status_class(before, "4xx") + 1
    latency = "doorstep_http_request_duration_seconds_count"
    assert _value(after, latency, route="account_login") == (
        _value(before, latency, route="account_login") + 1
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("scraper")
def test_a_booking_and_its_payment_are_counted_once_committed(
    settings, django_capture_on_commit_callbacks
):
    # given the sandbox gateway, capturing when the provider accepts
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_CAPTURE_AT = "acceptance"
    sandbox.clear_injected_failures()
    listing = bookable_listing(duration=120)
    customer = make_user(name="Metric Customer")
    before = _scrape()

    # when a customer books and pays, and the provider accepts
    with django_capture_on_commit_callbacks(execute=True):
        order = book_and_pay(**booking(listing, customer))
    with django_capture_on_commit_callbacks(execute=True):
        apply_transition(order_id=order.pk, name="accept", user=listing.provider.user)

    # then the booking's outcomes and the payment's are counted, once each
    after = _scrape()

    def grew(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("doorstep_events_total", topic="order.created") == 1
    assert grew("doorstep_events_total", topic="order.accept") == 1
    outcomes = "doorstep_payment_outcomes_total"
    assert grew(outcomes, outcome="authorised", kind="order") == 1
    assert grew(outcomes, outcome="captured", kind="order") == 1
    assert grew(outcomes, outcome="failed", kind="order") == 0


def _roll_back_a_refund() -> None:
    from django.db import transaction

    with transaction.atomic():
        metrics.count_payment_outcome(outcome="refunded", kind="order")
        raise RuntimeError("rolled back")


@pytest.mark.django_db
def test_a_rolled_back_payment_change_counts_nothing(
    django_capture_on_commit_callbacks,
):
    refunded = metrics.PAYMENTS.labels(outcome="refunded", kind="order")
    before = refunded._value.get()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        _roll_back_a_refund()

    assert refunded._value.get() == before


@pytest.mark.django_db
@pytest.mark.usefixtures("scraper")
def test_the_task_queue_and_workers_are_read_at_scrape_time(settings):
    from doorstep.observability.tests.tasks_for_tests import log_a_line
    from doorstep.periodic.workers import beat

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    log_a_line.enqueue("one")
    log_a_line.enqueue("two")
    beat("host-1")

    samples = _scrape()

    assert _value(samples, "doorstep_task_queue_depth", queue="default") == 2
    assert _value(samples, "doorstep_task_queue_oldest_age_seconds", queue="default")
    assert _value(samples, "doorstep_workers", state="alive") == 1
    assert _value(samples, "doorstep_worker_last_heartbeat_age_seconds") < 60


# --- Several processes ------------------------------------------------------------

COUNT_IN_A_PROCESS = textwrap.dedent(
    """
    import sys
    from doorstep.observability import metrics
    for _ in range(int(sys.argv[1])):
        metrics.count_event("order.created")
    metrics.observe_request(method="GET", route="web:home", status=200, seconds=0.02)
    """
)


@pytest.mark.django_db
@pytest.mark.usefixtures("scraper")
def test_counts_of_several_processes_are_summed(tmp_path, monkeypatch):
    # given two processes (as two uvicorn workers) counting into one folder
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT / "src"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    for times in (3, 4):
        subprocess.run(
            [sys.executable, "-c", COUNT_IN_A_PROCESS, str(times)],
            env=env,
            check=True,
            timeout=60,
        )
    assert len(list(tmp_path.glob("counter_*.db"))) == 2

    # when any process of the host is scraped
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = _scrape()

    # then it reports their sum (and the database gauges beside)
    assert _value(samples, "doorstep_events_total", topic="order.created") == 7
    route = {"method": "GET", "route": "web:home", "status": "2xx"}
    assert _value(samples, "doorstep_http_requests_total", **route) == 2
    latency = "doorstep_http_request_duration_seconds_count"
    assert _value(samples, latency, route="web:home") == 2
    assert ("doorstep_task_queue_depth", (("queue", "default"),)) in samples
