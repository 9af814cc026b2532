"""Doorstep behind PgBouncer in transaction mode: the settings
``DATABASE_POOLER=pgbouncer`` turns on, then a booking, a server-side-cursor
read (``.iterator()``) and many repeats of the same queries through a real
PgBouncer (started here, on a free port, in front of the suite's PostgreSQL),
whose server connections are handed out in turn so that consecutive
transactions land on different ones.

Runs on the PostgreSQL run of the suite. Without ``pgbouncer`` installed it is
skipped, unless ``DOORSTEP_REQUIRE_TOPOLOGY=1`` (CI) makes that a failure."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.topology.engines import pgbouncer, pgbouncer_available

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PgBouncer fronts PostgreSQL"
    ),
]


@pytest.fixture(scope="module")
def bouncer():
    if not pgbouncer_available():
        if os.environ.get("DOORSTEP_REQUIRE_TOPOLOGY") == "1":
            pytest.fail("pgbouncer is not installed (apt-get install pgbouncer)")
        pytest.skip("pgbouncer is not installed")
    port = int(connection.settings_dict.get("PORT") or 5432)
    with pgbouncer(server_port=port, pool_size=3) as running:
        yield running


def _settings_with(**environ: str) -> dict:
    code = (
        "import django, json; django.setup();"
        "from django.conf import settings;"
        "d = settings.DATABASES['default'];"
        "print(json.dumps({'cursors': d.get('DISABLE_SERVER_SIDE_CURSORS', False),"
        "'options': d.get('OPTIONS', {}), 'age': d.get('CONN_MAX_AGE')}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
        "DEBUG": "true",
        **environ,
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_pooler_setting_turns_off_server_side_cursors_and_prepared_statements():
    url = "postgres://doorstep@127.0.0.1:6432/doorstep"
    pooled = _settings_with(DATABASE_URL=url, DATABASE_POOLER="pgbouncer")
    assert pooled["cursors"] is True
    assert pooled["options"]["prepare_threshold"] is None
    # PgBouncer refuses startup options it does not know: none are sent.
    assert "options" not in pooled["options"]
    direct = _settings_with(DATABASE_URL=url, DATABASE_POOLER="")
    assert direct["cursors"] is False
    assert "jit=off" in direct["options"]["options"]


@pytest.fixture
def pooled_connection(bouncer, transactional_db):
    """The test's default connection, re-opened through PgBouncer with what
    ``DATABASE_POOLER=pgbouncer`` sets."""
    saved = {
        key: connection.settings_dict.get(key)
        for key in ("HOST", "PORT", "OPTIONS", "DISABLE_SERVER_SIDE_CURSORS")
    }
    connection.close()
    options = {
        key: value
        for key, value in (saved["OPTIONS"] or {}).items()
        if key != "options"
    }
    connection.settings_dict.update(
        HOST="127.0.0.1",
        PORT=str(bouncer.port),
        OPTIONS={**options, "prepare_threshold": None},
        DISABLE_SERVER_SIDE_CURSORS=True,
    )
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _open_servers(bouncer, database: str, count: int) -> None:
    import psycopg

    clients = [
        psycopg.connect(
            host="127.0.0.1", port=bouncer.port, user="postgres", dbname=database
        )
        for _ in range(count)
    ]
    for client in clients:
        client.execute("SELECT 1")  # each holds a server: its transaction is open
    for client in clients:
        client.commit()  # a clean server goes back to the pool
        client.close()


def _server_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_booking_iterating_and_repeated_queries_work_through_pgbouncer(
    pooled_connection, bouncer, settings, tmp_path
):
    from doorstep.core.errors import DomainError
    from doorstep.orders.models import Order
    from doorstep.orders.services import place_order
    from doorstep.orders.tests.conftest import booking
    from doorstep.scheduling.tests.helpers import bookable_listing
    from tests.factories import make_user

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    # Three clients at once make PgBouncer open three server connections;
    # then consecutive statements of this one reach different ones (so a
    # prepared statement or an open cursor would be lost).
    _open_servers(bouncer, connection.settings_dict["NAME"], 3)
    assert len({_server_pid() for _ in range(6)}) > 1

    listing = bookable_listing(duration=120)
    customers = [make_user() for _ in range(3)]
    order = place_order(**booking(listing, customers[0]))
    assert order.state == "awaiting_payment"
    # The same time again is refused by the database, through the pooler too.
    with pytest.raises(DomainError) as refused:
        place_order(**booking(listing, customers[1]))
    assert refused.value.code == "slot_taken"

    # ``.iterator()`` would open a server-side cursor (WITH HOLD, outside a
    # transaction) and fetch from it later, on whatever server PgBouncer gives.
    ids = list(
        Order.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=1)
    )
    assert ids == [order.pk]
    users = [user.pk for user in type(customers[0]).objects.iterator(chunk_size=2)]
    assert set(users) >= {customer.pk for customer in customers}

    # The same statement many times (psycopg would prepare it after five runs).
    for _ in range(25):
        assert Order.objects.filter(customer=customers[0]).count() == 1
        assert not Order.objects.filter(customer=customers[1]).exists()
    assert "prepared statement" not in bouncer.log()
