"""``doorstep worker``: the database task backend's worker (``db_worker``) with
a heartbeat, so a task it leaves RUNNING when it dies is recovered by the
others (see ``doorstep.periodic.workers``)."""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from doorstep.periodic.workers import Heartbeat


class Command(DBWorkerCommand):
    help = "Run a background worker (database task backend) with a heartbeat."

    def handle(self, *args, **options) -> None:
        reloader_parent = (
            options.get("reload") and not options.get("batch")
        ) and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if reloader_parent:
            # The parent only watches files; the child it starts claims tasks
            # and beats (each child under its own id).
            return super().handle(*args, **options)
        options["worker_id"] = options.get("worker_id") or get_random_string(32)
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            return super().handle(*args, **options)
        finally:
            heartbeat.stop()
