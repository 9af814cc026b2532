"""Settings for the test suite: the real settings, with the outside world swapped
for in-process fakes (SMS outbox, in-memory e-mail) and fast password hashing."""

# ruff: noqa: F403, F405
import os

from tests.parallel import per_worker, redis_key_prefix

os.environ.setdefault("DOORSTEP_TESTING", "true")
# Through the environment, so that the processes tests start (the live worker,
# ``doorstep serve``) write under the same Redis prefix as their test process.
if redis_key_prefix():
    os.environ["REDIS_KEY_PREFIX"] = redis_key_prefix()

from doorstep.settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_SENDER = "doorstep.notifications.sms.OutboxSmsSender"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Per xdist worker (see tests/parallel.py): a test that deletes or lists uploads
# sees only its own worker's.
MEDIA_ROOT = VAR_DIR / per_worker("test-media")
# Collected static files too: a worker collecting them while another one's
# WhiteNoise lists the folder saw files vanish.
STATIC_ROOT = VAR_DIR / per_worker("static")
LOGGING["handlers"]["console"]["formatter"] = "plain"
ALLOWED_HOSTS = ["*"]
# Indexing would load the embedding model (seconds) and embed every listing a
# test writes; the semantic search tests turn it on for themselves.
DOORSTEP_SEMANTIC_SEARCH = False
# Every problem an API operation answers with must be listed in its OpenAPI entry.
DOORSTEP_CHECK_DOCUMENTED_ERRORS = True

# On Redis, each xdist worker writes under its own key prefix (above), and
# ``cache.clear()`` (before every test) deletes only the keys under it, not the
# database the other workers share.
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "tests.redis_cache.PrefixRedisCache"

# SQLite tests use a file, not shared-cache memory: concurrency tests need SQLite's
# real locking (WAL, one writer, busy timeout), which shared-cache memory lacks.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One file per run, so two runs on one machine never share (Django deletes it).
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")
    }

# A second alias on the same test database, as a read replica would be: the replica
# router's tests (doorstep/core/tests/test_db_router.py) route reads to it. Nothing
# else uses it (the router is installed only by those tests).
DATABASES["replica_test"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

DOORSTEP_PRIVATE_ROOT = VAR_DIR / per_worker("test-private")
STORAGES["documents"]["OPTIONS"]["location"] = str(DOORSTEP_PRIVATE_ROOT)
# The document gate is off for the suite, whose providers are built with the ORM
# and publish without onboarding; the trust tests and the onboarding browser test
# turn it on (``settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True``), and
# trust/tests/test_gate.py checks that production has it on.
DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = False
