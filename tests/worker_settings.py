"""Settings for a real worker process that a browser test starts against the
live server's database (see ``tests/live_worker.py``): the production settings
with the database task backend, except that providers' earnings clear at once,
so a journey sees the scheduler pay them within seconds."""

# ruff: noqa: F403
from doorstep.settings import *

DOORSTEP_CLEARING_DAYS = 0
