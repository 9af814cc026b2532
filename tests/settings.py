"""Settings for the test suite: the real settings, with the outside world swapped
for in-process fakes (SMS outbox, in-memory e-mail) and fast password hashing."""

import os

os.environ.setdefault("DOORSTEP_TESTING", "true")

from doorstep.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_SENDER = "doorstep.notifications.sms.OutboxSmsSender"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "plain"  # noqa: F405
ALLOWED_HOSTS = ["*"]
