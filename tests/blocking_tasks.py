"""A task for process tests (``tests/integration/test_worker_recovery.py``):
it notes each start with the worker's pid, then waits for a release file, so a
test can kill the worker running it."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def block_until_released(record: str, release: str) -> str:
    with Path(record).open("a") as out:
        out.write(f"start {os.getpid()}\n")
    while not Path(release).exists():
        time.sleep(0.1)
    with Path(record).open("a") as out:
        out.write(f"done {os.getpid()}\n")
    return "done"
