"""Several workers appending at once still make one tree, each row once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from doorstep.payments.models import JournalEntry
from doorstep.transparency import merkle
from doorstep.transparency.models import LogEntry
from doorstep.transparency.queries import root_hash, tree_size
from doorstep.transparency.services import append_pending
from doorstep.transparency.tests.conftest import make_journal_entry
from doorstep.transparency.verify import verify_log

WORKERS = 4


def _worker(errors: list[BaseException], start: threading.Barrier) -> None:
    try:
        start.wait()
        for _ in range(15):
            # Small passes, so the workers' passes interleave.
            append_pending(now=timezone.now(), settle=timedelta(0), limit=3)
    except BaseException as error:  # reported by the test
        errors.append(error)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_passes_log_every_row_exactly_once_in_one_tree():
    if connection.vendor == "sqlite" and "memory" in str(
        connection.settings_dict["NAME"]
    ):
        pytest.skip("needs a database threads share with row locks (PostgreSQL)")
    entries = [make_journal_entry(amount) for amount in range(100, 130)]
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)
    threads = [
        threading.Thread(target=_worker, args=(errors, start)) for _ in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    logged = list(
        LogEntry.objects.order_by("index").values_list("subject", "index", "data")
    )
    assert [index for _, index, _ in logged] == list(range(len(entries)))
    assert sorted(subject for subject, _, _ in logged) == sorted(
        e.public_id for e in entries
    )
    assert tree_size() == JournalEntry.objects.count() == len(entries)
    memory = merkle.MemoryTree()
    for _, _, data in logged:
        memory.append(bytes(data))
    assert root_hash(len(entries)) == memory.root()
    assert verify_log().problems == []
