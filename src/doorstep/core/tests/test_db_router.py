"""The read-replica router: which database each read and write goes to.

``tests/settings.py`` defines ``replica_test``, an alias mirroring the test
database (Django's ``TEST: {"MIRROR": "default"}``), as a streaming replica would;
these tests install the router with it as the one replica.
"""

import json
import os
import subprocess
import sys
import time

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections, router, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from doorstep.accounts.models import User
from doorstep.core.db_router import (
    PIN_COOKIE,
    ReplicaPinMiddleware,
    replica_reads,
)
from tests.factories import make_user

REPLICA = "replica_test"
WRITES = ("INSERT", "UPDATE", "DELETE")

with_replica = override_settings(
    DOORSTEP_REPLICA_DATABASES=[REPLICA],
    DATABASE_ROUTERS=["doorstep.core.db_router.ReplicaRouter"],
    DOORSTEP_REPLICA_PIN_SECONDS=5,
)


@pytest.fixture
def replica():
    with with_replica:
        yield


def _routed_view(writes: bool = False):
    """A view noting where its reads go, before and after an optional write."""
    seen: dict[str, str] = {}

    def view(request):
        seen["before"] = router.db_for_read(User)
        if writes:
            seen["write"] = router.db_for_write(User)
        seen["after"] = router.db_for_read(User)
        return HttpResponse("ok")

    return view, seen


def test_reads_outside_a_request_use_the_primary(replica):
    # The worker's tasks and management commands: what was just written must be
    # found whatever the replica's lag.
    assert router.db_for_read(User) == "default"
    assert router.db_for_write(User) == "default"


def test_a_request_reads_from_the_replica_until_it_writes(replica):
    with replica_reads() as reads:
        assert router.db_for_read(User) == REPLICA
        assert router.db_for_write(User) == "default"
        assert reads.wrote
        assert router.db_for_read(User) == "default"
    assert router.db_for_read(User) == "default"


def test_migrations_run_on_the_primary_only(replica):
    assert router.allow_migrate(REPLICA, "orders") is False
    assert router.allow_migrate("default", "orders") is True


def test_without_replicas_everything_uses_the_primary():
    with replica_reads():
        assert router.db_for_read(User) == "default"
    with pytest.raises(MiddlewareNotUsed):
        ReplicaPinMiddleware(lambda request: HttpResponse())


def test_a_get_reads_from_the_replica_and_sets_no_cookie(replica):
    view, seen = _routed_view()
    response = ReplicaPinMiddleware(view)(RequestFactory().get("/"))
    assert seen == {"before": REPLICA, "after": REPLICA}
    assert PIN_COOKIE not in response.cookies


def test_a_write_pins_the_rest_of_the_request_and_the_next_requests(replica):
    view, seen = _routed_view(writes=True)
    response = ReplicaPinMiddleware(view)(RequestFactory().get("/"))
    assert seen == {"before": REPLICA, "write": "default", "after": "default"}
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 5
    assert cookie["httponly"]
    assert time.time() + 4 < float(cookie.value) <= time.time() + 5.01

    # The same browser's next request, within the pin: its reads see the write.
    view, seen = _routed_view()
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = cookie.value
    ReplicaPinMiddleware(view)(request)
    assert seen == {"before": "default", "after": "default"}


# An expired pin (2001), garbage, empty: the same test ids in every xdist worker.
@pytest.mark.parametrize("value", ["1000000000", "not-a-time", ""])
def test_an_expired_or_forged_pin_reads_from_the_replica(replica, value):
    view, seen = _routed_view()
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = value
    ReplicaPinMiddleware(view)(request)
    assert seen == {"before": REPLICA, "after": REPLICA}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_methods_read_from_the_primary(replica, method):
    # They read what they are about to change: never a stale copy.
    view, seen = _routed_view()
    ReplicaPinMiddleware(view)(getattr(RequestFactory(), method)("/"))
    assert seen == {"before": "default", "after": "default"}


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_queries_go_where_the_router_says(replica):
    user = User.objects.create_user(email="reader@example.com", password="x" * 12)
    primary, mirror = connections["default"], connections[REPLICA]
    with (
        replica_reads(),
        CaptureQueriesContext(primary) as on_primary,
        CaptureQueriesContext(mirror) as on_replica,
    ):
        # A plain read: the replica (here the same data, mirrored).
        assert User.objects.get(pk=user.pk).email == "reader@example.com"
        assert len(on_replica) == 1
        assert len(on_primary) == 0
        # Inside a transaction on the primary, reads and locks stay there.
        with transaction.atomic():
            User.objects.get(pk=user.pk)
            User.objects.select_for_update().get(pk=user.pk)
        assert len(on_replica) == 1
        if primary.vendor == "postgresql":
            assert any("FOR UPDATE" in q["sql"] for q in on_primary.captured_queries)
        reads_before_write = len(on_primary)
        # A write, then a read of the same request: the primary.
        User.objects.filter(pk=user.pk).update(name="Ada")
        assert User.objects.get(pk=user.pk).name == "Ada"
        assert len(on_replica) == 1
        assert len(on_primary) >= reads_before_write + 2


def test_settings_add_one_alias_per_replica_url():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
        "DOORSTEP_TESTING": "true",
        "DATABASE_URL": "postgres://app@primary:5432/doorstep",
        "DATABASE_REPLICA_URLS": (
            "postgres://app@replica-a:5432/doorstep,"
            "postgres://app@replica-b:5433/doorstep?sslmode=require"
        ),
        "DOORSTEP_REPLICA_PIN_SECONDS": "3",
    }
    script = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.DOORSTEP_REPLICA_DATABASES, s.DATABASE_ROUTERS,"
        " s.DOORSTEP_REPLICA_PIN_SECONDS,"
        "{k: [v['HOST'], v['PORT'], v.get('OPTIONS'), v.get('TEST', {}).get('MIRROR'),"
        " v.get('CONN_MAX_AGE')] for k, v in s.DATABASES.items()}]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    aliases, routers, pin, databases = json.loads(out.stdout)
    assert aliases == ["replica_1", "replica_2"]
    assert routers == ["doorstep.core.db_router.ReplicaRouter"]
    assert pin == 3
    assert databases["replica_1"][:2] == ["replica-a", 5432]
    assert databases["replica_2"][:2] == ["replica-b", 5433]
    # The primary's options (JIT off) and connection reuse, plus the URL's own.
    assert databases["replica_2"][2] == {"options": "-c jit=off", "sslmode": "require"}
    assert databases["replica_1"][3] == "default"
    assert databases["replica_1"][4] == databases["default"][4]


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_through_the_whole_middleware_stack(replica):
    """A signed-in person's page reads from the replica; signing out writes (the
    session), so that response pins the browser, and its next page reads from
    the primary only."""
    client = Client()  # built here: its middleware chain includes the pin
    client.force_login(make_user())
    primary, mirror = connections["default"], connections[REPLICA]

    with CaptureQueriesContext(mirror) as on_replica:
        response = client.get("/")
    assert response.status_code == 200
    assert len(on_replica) > 0
    assert not any(q["sql"].lstrip().startswith(WRITES) for q in on_replica)
    assert PIN_COOKIE not in response.cookies

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert PIN_COOKIE in response.cookies

    with (
        CaptureQueriesContext(primary) as on_primary,
        CaptureQueriesContext(mirror) as on_replica,
    ):
        assert client.get("/").status_code == 200
    assert len(on_replica) == 0
    assert len(on_primary) > 0
