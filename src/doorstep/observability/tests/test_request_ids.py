"""Every request has an id, echoed in the response, written on its log lines
and carried into the tasks it enqueues — through the database task backend
and a real worker."""

import logging

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.urls("doorstep.observability.tests.urls")


@pytest.mark.django_db
def test_a_well_formed_incoming_id_is_kept_and_echoed():
    response = Client().get("/enqueue/", HTTP_X_REQUEST_ID="lb-7f3a9c2e51d04b8e")

    assert response["X-Request-ID"] == "lb-7f3a9c2e51d04b8e"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming", [None, "", "short", "bad id with spaces", "x" * 300]
)
def test_a_missing_or_malformed_id_is_replaced(incoming):
    headers = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}

    response = Client().get("/enqueue/", **headers)

    given = response["X-Request-ID"]
    assert given != incoming
    assert len(given) == 32
    assert int(given, 16) >= 0


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id(caplog):
    caplog.set_level(logging.WARNING)

    Client().get("/enqueue/", HTTP_X_REQUEST_ID="req-0123456789abcdef")

    lines = [r for r in caplog.records if "inside the task" in r.getMessage()]
    # The immediate test backend runs the task inside the request.
    assert [r.request_id for r in lines] == ["req-0123456789abcdef"]
    assert lines[0].task_id not in ("", "-")


@pytest.mark.django_db(transaction=True)
def test_the_id_travels_with_a_task_through_the_database_backend(settings, caplog):
    # given the database task backend, as in production
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    caplog.set_level(logging.INFO)

    # when a request enqueues a task
    response = Client().get("/enqueue/", HTTP_X_REQUEST_ID="req-from-the-web-0042")
    assert response.status_code == 200
    stored = DBTaskResult.objects.get()
    assert stored.args_kwargs["request_id"] == "req-from-the-web-0042"
    assert not [r for r in caplog.records if "inside the task" in r.getMessage()]

    # and a worker runs it later, outside any request
    call_command("db_worker", "--batch", "--worker-id", "test-worker", verbosity=0)

    # then the task's own log line, and the worker's, carry the request's id
    stored.refresh_from_db()
    assert stored.status == "SUCCESSFUL"
    inside = [r for r in caplog.records if "inside the task" in r.getMessage()]
    assert [r.request_id for r in inside] == ["req-from-the-web-0042"]
    assert inside[0].task_id == str(stored.id)
    # and nothing is left in the context once the task is done
    logging.getLogger("after").warning("after the task")
    after = [r for r in caplog.records if r.getMessage() == "after the task"]
    assert after[0].request_id == "-"
    assert after[0].task_id == "-"


def test_the_json_log_format_writes_the_ids():
    from pythonjsonlogger.json import JsonFormatter

    from doorstep.observability.context import RequestIdFilter, request_id_var

    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(request_id)s %(task_id)s %(message)s"
    )
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.__dict__.pop("request_id", None)  # as made before the factory was set
    record.__dict__.pop("task_id", None)
    token = request_id_var.set("req-json-000000001")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)

    assert '"request_id": "req-json-000000001"' in formatter.format(record)
