"""Django settings for SOCAP, read from environment variables (see .env.example)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from socap_project.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SOCAP_VAR_DIR", str(BASE_DIR / "var")))
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)

# dev: laptop defaults; test: the pytest suite; production: everything explicit.
SOCAP_ENV = env_str("SOCAP_ENV", "dev")
if SOCAP_ENV not in {"dev", "test", "production"}:
    raise ImproperlyConfigured(f"SOCAP_ENV must be dev, test or production, got {SOCAP_ENV!r}.")
IS_PRODUCTION = SOCAP_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when SOCAP_ENV=production.")
    SECRET_KEY = "insecure-dev-and-test-only-key"  # noqa: S105 - never used in production

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SOCAP_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_celery_beat",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "socap_project",
    "xapi",
    "campaigns",
    "ingestion",
    "alerts",
    "dashboard",
    "reports",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "socap_project.middleware.StoreOutageMiddleware",  # 503 + Retry-After when a store is away
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "socap_project.client_links.ClientLinkMiddleware",
]

ROOT_URLCONF = "socap_project.urls"
WSGI_APPLICATION = "socap_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ingestion.context_processors.demo_clock",
            ],
        },
    },
]

# --- Django database: admin-edited data (campaigns, tweets, alert history, Beat schedules).
# Production: PostgreSQL, shared by every web, worker and Beat host. A SQLite file there would give
# each host its own campaigns, tokens and Beat schedules.
if IS_PRODUCTION and not env_str("DATABASE_URL", "").startswith(("postgres://", "postgresql://", "pgsql://")):
    raise ImproperlyConfigured("DATABASE_URL is required when SOCAP_ENV=production and must name PostgreSQL "
                               "(postgres://user:password@host:5432/socap); SQLite is for dev and tests only.")
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'socap.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and Beat share one SQLite file in dev: WAL plus immediate
    # transactions avoid "database is locked" between them.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so that worker processes started by tests see the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-socap.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A persistent connection is checked before reuse (a failed-over server closed it), and an
    # unreachable server fails a request in seconds (503) instead of holding a web thread.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- MongoDB: high-volume documents (engagements, worker state, snapshots, queues).
MONGODB_URI = env_str("MONGODB_URI")
if IS_PRODUCTION and not MONGODB_URI:
    # Without it dev falls back to the embedded server; in production that would silently
    # keep every engagement on one machine's disk.
    raise ImproperlyConfigured("MONGODB_URI is required when SOCAP_ENV=production "
                               "(a MongoDB 6.0+ or Atlas URI; the embedded dev server is not used in production).")
MONGODB_DB = env_str("MONGODB_DB", "socap")
SOCAP_EMBEDDED_MONGO_PORT = env_int("SOCAP_EMBEDDED_MONGO_PORT", 27027)
SOCAP_EMBEDDED_MONGO = not MONGODB_URI
if SOCAP_EMBEDDED_MONGO:
    MONGODB_URI = f"mongodb://127.0.0.1:{SOCAP_EMBEDDED_MONGO_PORT}/?directConnection=true"
# --- MongoDB client for a replica set (socap_project/mongo.py). Reads go to the primary: alert
# planning, leases and claims decide from what they read, and a lagging secondary would mislead them.
# How long an operation waits for a primary: production rides out an election (~10-15 s).
MONGODB_TIMEOUT_MS = env_int("MONGODB_TIMEOUT_MS", 30000 if IS_PRODUCTION else 5000)
if IS_PRODUCTION and MONGODB_TIMEOUT_MS < 20000:
    raise ImproperlyConfigured("MONGODB_TIMEOUT_MS (server selection) must be at least 20000 when "
                               "SOCAP_ENV=production: a replica-set election takes longer than that would wait.")
MONGODB_CONNECT_TIMEOUT_MS = env_int("MONGODB_CONNECT_TIMEOUT_MS", 10000)
MONGODB_SOCKET_TIMEOUT_MS = env_int("MONGODB_SOCKET_TIMEOUT_MS", 60000)
_write_concern = env_str("MONGODB_WRITE_CONCERN", "majority")
MONGODB_WRITE_CONCERN = int(_write_concern) if _write_concern.isdigit() else _write_concern
MONGODB_WRITE_TIMEOUT_MS = env_int("MONGODB_WRITE_TIMEOUT_MS", 10000)
MONGODB_RETRY_WRITES = env_bool("MONGODB_RETRY_WRITES", True)
# Everything one web request asks MongoDB (sent as maxTimeMS): below gunicorn's 30 s timeout, so a
# stuck read answers 503 rather than a killed worker. Streamed CSV exports run outside it.
MONGODB_WEB_TIMEOUT_MS = env_int("MONGODB_WEB_TIMEOUT_MS", 25000)
# Retry-After of the 503 a web request answers when MongoDB, Redis or the database is unreachable.
SOCAP_UNAVAILABLE_RETRY_AFTER_SECONDS = env_int("SOCAP_UNAVAILABLE_RETRY_AFTER_SECONDS", 15)

# --- Redis: Celery broker, cache, locks, shared rate limiter.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "socap",
        "TIMEOUT": 60,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }
}

# --- Celery (configured from these CELERY_* settings in socap_project/celery.py).
SOCAP_TASK_SOFT_TIME_LIMIT = env_int("SOCAP_TASK_SOFT_TIME_LIMIT", 600)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = SOCAP_TASK_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = SOCAP_TASK_SOFT_TIME_LIMIT + 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redelivery of unacked tasks waits this long: keep it above the hard time limit.
    "visibility_timeout": env_int("SOCAP_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 2),
    # How often a worker looks for messages whose consumer died (kill -9, lost host).
    "unacked_restore_interval": env_int("SOCAP_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": 1,
    # Priority 0 (highest) .. 9, as separate Redis lists polled in order.
    "queue_order_strategy": "priority",
    "priority_steps": list(range(10)),
    "sep": ":",
}
CELERY_TASK_DEFAULT_PRIORITY = 5
# Control tasks (fan-out, alert planning and sending, completion, heartbeat, budget alerts) have a
# queue of their own, so that a backfill's list jobs on the default queue never hold them back:
# the Procfile runs a worker that consumes only `control`, and every worker consumes it before the
# default queue. Priority 0 because a worker polls priority-major (every queue's 0, then every 1, ...),
# so a worker consuming `control,celery` takes a waiting control task before any list job.
SOCAP_CONTROL_QUEUE = "control"
SOCAP_CONTROL_TASKS = (
    "socap.ingestion.fan_out",
    "socap.alerts.plan_cycle",
    "socap.alerts.plan_due_cycles",
    "socap.alerts.send_due",
    "socap.alerts.send_budget_alert",
    "socap.campaigns.complete_due",
    "socap.campaigns.finalize",
    "socap.alerts.send_report_emails",
    "socap.heartbeat",
)
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {name: {"queue": SOCAP_CONTROL_QUEUE} for name in SOCAP_CONTROL_TASKS}
# The priority is set on the task itself (a route's priority loses to the default one a task sends with).
CELERY_TASK_ANNOTATIONS = {name: {"priority": 0} for name in SOCAP_CONTROL_TASKS}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = False

# --- Polling cadence (Beat schedules are created from these by socap_setup_schedules).
# One fan-out per interval, whoever asks; Beat only ticks often enough never to miss one.
SOCAP_POLL_INTERVAL_MINUTES = env_float("SOCAP_POLL_INTERVAL_MINUTES", 30)
SOCAP_POLL_INTERVAL_SECONDS = max(1, round(SOCAP_POLL_INTERVAL_MINUTES * 60))
# A poll cycle's alerts are planned when its last job ends, or at the latest this long after its
# fan-out (a stuck job must not hold them back); then spread over the spacing window, cut short
# so that all are sent before the next cycle.
SOCAP_ALERT_PLAN_WAIT_SECONDS = max(1, round(env_float("SOCAP_ALERT_PLAN_WAIT_MINUTES",
                                                       SOCAP_POLL_INTERVAL_MINUTES / 3) * 60))
# Spike alert: a tweet's (and the campaign's) engagement rate is compared with its rate over
# this many previous hours (on the readings' clock: simulated hours in the accelerated demo).
SOCAP_SPIKE_TRAILING_HOURS = env_float("SOCAP_SPIKE_TRAILING_HOURS", 6)

# --- Static files (htmx and Chart.js are vendored under static/vendor).
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGIN_URL = "/admin/login/"

# Cookies, HTTPS and proxy trust: see "Transport and production safety" at the end of this file.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("SOCAP_LOG_LEVEL", "INFO")},
    "loggers": {"django": {"level": "INFO"}},
}

# --- X data API (twitterapi.io contract). No key: the local simulator stands in.
X_API_PROVIDER = env_str("X_API_PROVIDER", "twitterapi_io")
X_API_KEY = env_str("X_API_KEY", "")
if IS_PRODUCTION and not X_API_KEY:
    # Without it dev polls the local simulator; in production that would report made-up engagements.
    raise ImproperlyConfigured("X_API_KEY is required when SOCAP_ENV=production "
                               "(the twitterapi.io key; the local simulator is not used in production).")
SOCAP_SIMULATOR_PORT = env_int("SOCAP_SIMULATOR_PORT", 8765)
X_API_USES_SIMULATOR = not X_API_KEY
X_API_BASE_URL = env_str(
    "X_API_BASE_URL",
    f"http://127.0.0.1:{SOCAP_SIMULATOR_PORT}" if X_API_USES_SIMULATOR else "https://api.twitterapi.io",
).rstrip("/")
if X_API_USES_SIMULATOR:
    X_API_KEY = env_str("SOCAP_SIMULATOR_KEY", "sim-dev-key")
X_API_RATE_LIMIT_RPS = env_float("X_API_RATE_LIMIT_RPS", 10.0)
X_API_TIMEOUT_SECONDS = env_float("X_API_TIMEOUT_SECONDS", 20.0)
X_API_MAX_RETRIES = env_int("X_API_MAX_RETRIES", 3)

# --- Alerts: email through Django's email framework, Slack through slack-sdk.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SOCAP alerts <alerts@socap.local>")
SOCAP_ALERT_EXTRA_RECIPIENTS = env_list("SOCAP_ALERT_EXTRA_RECIPIENTS", [])
# Slack webhook for campaigns that ask for Slack without one of their own (the reference create
# body, docs/api.md, sends none). Empty: such campaigns hold their Slack alerts until staff set a webhook.
SOCAP_DEFAULT_SLACK_WEBHOOK_URL = env_str("SOCAP_DEFAULT_SLACK_WEBHOOK_URL", "")
# Hosts a Slack webhook URL may point to (https, port 443, public addresses only: socap_project/webhook_urls.py);
# the variable adds hosts to hooks.slack.com, e.g. a Slack-compatible chat server.
SOCAP_SLACK_WEBHOOK_HOSTS = list(dict.fromkeys(["hooks.slack.com", *env_list("SOCAP_SLACK_WEBHOOK_HOSTS", [])]))
# The local Slack stand-in (fakes/alert_sinks.py, plain http on 127.0.0.1) for the demo and tests; never in production.
SOCAP_LOCAL_WEBHOOKS_ALLOWED = not IS_PRODUCTION
# How long a sender holds a queued alert; a sender that died gives it up after this.
SOCAP_ALERT_CLAIM_SECONDS = env_int("SOCAP_ALERT_CLAIM_SECONDS", 120)

# --- Campaign defaults.
SOCAP_MAX_WINDOW_DAYS = env_int("SOCAP_MAX_WINDOW_DAYS", 31)
SOCAP_DEFAULT_CPM_USD = env_float("SOCAP_DEFAULT_CPM_USD", 6.0)
SOCAP_TRIGGER_SECRET = env_str("SOCAP_TRIGGER_SECRET", "" if IS_PRODUCTION else "dev-trigger-secret")

# --- JSON API: token auth (tokens are created by staff in the admin).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Staff only (socap_project/permissions.py): a token of any other user gets 403 everywhere.
    "DEFAULT_PERMISSION_CLASSES": ["socap_project.permissions.StaffOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "socap_project.api.socap_exception_handler"
# /socap/openapi.json is generated from the views' serializers and @extend_schema (socap_project/openapi.py).
SPECTACULAR_SETTINGS = {
    "TITLE": "SOCAP API",
    "VERSION": "1.0",
    "DESCRIPTION": "Campaign monitoring for launches on X. Authenticate with `Authorization: Token <key>` "
                   "(tokens are made in the admin). Every endpoint but `/socap/health` and `/socap/workers/trigger` "
                   "is **staff only**: the token must belong to a staff user (`is_staff`); a token of any other "
                   "user gets 403, no credentials 401.",
    # The same rule as the API it describes: staff tokens or staff sessions.
    "SERVE_PERMISSIONS": ["socap_project.permissions.StaffOnly"],
    "SERVE_INCLUDE_SCHEMA": False,
    # The API is JSON; DRF's form parsers stay accepted but are not part of the contract.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # No serializer here serves both POST and PATCH, so a "Patched" copy would only add noise.
    "COMPONENT_SPLIT_PATCH": False,
    # /socap/health is a plain Django view (public, no DRF auth); the hook describes it too.
    "PREPROCESSING_HOOKS": ["socap_project.views.add_health_endpoint"],
}
SOCAP_MAX_API_BODY_BYTES = env_int("SOCAP_MAX_API_BODY_BYTES", 256 * 1024)
# The admin change form of a campaign at the 500-tweet limit posts its tweets inline, several fields each.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# --- Ingestion
# A run holds a lease on its (campaign, tweet, job) and renews it after every page;
# a killed worker's lease lapses after this long and the next run takes over.
SOCAP_LEASE_SECONDS = env_int("SOCAP_LEASE_SECONDS", 90)
# Block length when the provider gives no Retry-After (rate limit / credits).
SOCAP_RATE_LIMIT_BLOCK_SECONDS = env_int("SOCAP_RATE_LIMIT_BLOCK_SECONDS", 60)
SOCAP_CREDITS_BLOCK_SECONDS = env_int("SOCAP_CREDITS_BLOCK_SECONDS", 15 * 60)
SOCAP_MAX_PAGES_PER_RUN = env_int("SOCAP_MAX_PAGES_PER_RUN", 500)
# Worker status without a campaign counts each figure up to this many states ("capped": at least).
SOCAP_WORKER_STATUS_COUNT_CAP = env_int("SOCAP_WORKER_STATUS_COUNT_CAP", 1000)

# --- API spend: budget alerts go to staff (never the client), adaptive cadence.
SOCAP_BUDGET_WARN_PERCENT = env_int("SOCAP_BUDGET_WARN_PERCENT", 80)
SOCAP_STAFF_ALERT_EMAILS = env_list("SOCAP_STAFF_ALERT_EMAILS", [])
SOCAP_STAFF_SLACK_WEBHOOK_URL = env_str("SOCAP_STAFF_SLACK_WEBHOOK_URL", "")
# A tweet whose retweet/reply/quote counters stayed put for SOCAP_CADENCE_QUIET_POLLS polls
# is polled every 2, then up to SOCAP_CADENCE_MAX_FACTOR intervals; any move brings it back to
# every interval. The first SOCAP_CADENCE_LAUNCH_HOURS of a campaign stay at every interval,
# and until SOCAP_CADENCE_FIRST_DAY_HOURS the stretch is capped at 2 intervals.
SOCAP_CADENCE_QUIET_POLLS = env_int("SOCAP_CADENCE_QUIET_POLLS", 2)
SOCAP_CADENCE_MAX_FACTOR = env_int("SOCAP_CADENCE_MAX_FACTOR", 4)
SOCAP_CADENCE_LAUNCH_HOURS = env_float("SOCAP_CADENCE_LAUNCH_HOURS", 2)
SOCAP_CADENCE_FIRST_DAY_HOURS = env_float("SOCAP_CADENCE_FIRST_DAY_HOURS", 24)

# --- Completion: final report and archive of raw events.
SOCAP_ARCHIVE_DIR = Path(env_str("SOCAP_ARCHIVE_DIR", str(VAR_DIR / "archives")))
# With a bucket set, archives go to that S3-compatible store instead of SOCAP_ARCHIVE_DIR.
SOCAP_ARCHIVE_S3_BUCKET = env_str("SOCAP_ARCHIVE_S3_BUCKET", "")
SOCAP_ARCHIVE_S3_PREFIX = env_str("SOCAP_ARCHIVE_S3_PREFIX", "socap-archives")
SOCAP_ARCHIVE_S3_ENDPOINT_URL = env_str("SOCAP_ARCHIVE_S3_ENDPOINT_URL", "")  # empty: AWS S3
SOCAP_ARCHIVE_S3_REGION = env_str("SOCAP_ARCHIVE_S3_REGION", "us-east-1")
# Empty credentials fall through to boto3's chain (AWS_ACCESS_KEY_ID/..., instance role).
SOCAP_ARCHIVE_S3_ACCESS_KEY_ID = env_str("SOCAP_ARCHIVE_S3_ACCESS_KEY_ID", "")
SOCAP_ARCHIVE_S3_SECRET_ACCESS_KEY = env_str("SOCAP_ARCHIVE_S3_SECRET_ACCESS_KEY", "")
SOCAP_ARCHIVE_S3_ADDRESSING_STYLE = env_str("SOCAP_ARCHIVE_S3_ADDRESSING_STYLE", "auto")  # auto | path | virtual
if SOCAP_ARCHIVE_S3_ADDRESSING_STYLE not in {"auto", "path", "virtual"}:
    raise ImproperlyConfigured("SOCAP_ARCHIVE_S3_ADDRESSING_STYLE must be auto, path or virtual, "
                               f"got {SOCAP_ARCHIVE_S3_ADDRESSING_STYLE!r}.")
# How long completion waits for the final poll before freezing the report anyway.
SOCAP_FINAL_POLL_MINUTES = env_int("SOCAP_FINAL_POLL_MINUTES", 20)
# A finaliser's claim on a campaign (freeze, archive, status flip); a finaliser that died is taken
# over once it lapses, so keep it above the longest finalisation (a big archive to S3).
SOCAP_COMPLETION_CLAIM_SECONDS = env_int("SOCAP_COMPLETION_CLAIM_SECONDS", 900)
# The report email's outbox: a failed SMTP attempt is retried after this (doubling, at most 1 h);
# a row still `sending` after SOCAP_REPORT_EMAIL_CLAIM_SECONDS belongs to a dead sender.
SOCAP_REPORT_EMAIL_RETRY_SECONDS = env_int("SOCAP_REPORT_EMAIL_RETRY_SECONDS", 60)
SOCAP_REPORT_EMAIL_CLAIM_SECONDS = env_int("SOCAP_REPORT_EMAIL_CLAIM_SECONDS", 300)

# --- Retention (TTL indexes, set by the index step of start-up/release; 0 keeps forever).
# The per-call API log (spend totals and reports read the api_spend counters, kept).
SOCAP_API_USAGE_RETENTION_DAYS = env_int("SOCAP_API_USAGE_RETENTION_DAYS", 90)
# Alert queue items once sent or skipped (the alert history in the database is kept).
SOCAP_ALERT_QUEUE_RETENTION_DAYS = env_int("SOCAP_ALERT_QUEUE_RETENTION_DAYS", 30)
# Per-poll metric deltas, rolled up into hourly metric_snapshots as they are written. A campaign
# running longer than this archives only the deltas still kept.
SOCAP_METRIC_DELTAS_RETENTION_DAYS = env_int("SOCAP_METRIC_DELTAS_RETENTION_DAYS", 30)
# Delete an archived campaign's engagements, metric deltas and snapshots from MongoDB this many
# days after its archive was verified (Beat, daily; 0 = never: purge by hand with
# `manage.py socap_purge_campaign ID`).
SOCAP_PURGE_ARCHIVED_AFTER_DAYS = env_int("SOCAP_PURGE_ARCHIVED_AFTER_DAYS", 0)
# Engagements per read (and per delete) when a campaign is archived or purged, by sequence number.
SOCAP_ARCHIVE_WINDOW = env_int("SOCAP_ARCHIVE_WINDOW", 1000)
SOCAP_CHROMIUM = env_str("SOCAP_CHROMIUM", "chromium")
# Report PDFs are printed by a Celery task (one per campaign at a time), never in a web request;
# a request for one not printed yet answers 202 with Retry-After.
SOCAP_PDF_RENDER_TIMEOUT_SECONDS = env_int("SOCAP_PDF_RENDER_TIMEOUT_SECONDS", 120)
SOCAP_PDF_RETRY_AFTER_SECONDS = env_int("SOCAP_PDF_RETRY_AFTER_SECONDS", 5)
# A queued render not finished after this long (worker lost) may be asked for again.
SOCAP_PDF_CLAIM_SECONDS = env_int("SOCAP_PDF_CLAIM_SECONDS", 300)
# After a failed print, requests answer 503 (Retry-After) for this long before trying again.
SOCAP_PDF_FAILED_RETRY_SECONDS = env_int("SOCAP_PDF_FAILED_RETRY_SECONDS", 60)
# A live preview's newest PDF is kept (in the cache) this long; it is served for its own data
# version, and for newer ones while younger than the max age (polls move the version often).
SOCAP_PDF_PREVIEW_CACHE_SECONDS = env_int("SOCAP_PDF_PREVIEW_CACHE_SECONDS", 3600)
SOCAP_PDF_PREVIEW_MAX_AGE_SECONDS = env_int("SOCAP_PDF_PREVIEW_MAX_AGE_SECONDS", 300)
# Anonymous PDF/CSV downloads per share link and window; over it: 429 with Retry-After.
SOCAP_SHARE_LINK_DOWNLOADS = env_int("SOCAP_SHARE_LINK_DOWNLOADS", 30)
SOCAP_SHARE_LINK_WINDOW_SECONDS = env_int("SOCAP_SHARE_LINK_WINDOW_SECONDS", 60)
# A client share link stops working this many days after the campaign completed (410); 0: never.
SOCAP_SHARE_LINK_EXPIRY_DAYS = env_int("SOCAP_SHARE_LINK_EXPIRY_DAYS", 0)

# --- Demo: the simulator's clock runs this many times faster than real time (run.sh passes it
# as --speed); readings and first sightings are then stamped with the simulated time, and the
# pages say the clock is accelerated. Only with the simulator: a real X API key forces 1.
SOCAP_DEMO_CLOCK_FACTOR = env_float("SOCAP_DEMO_CLOCK_FACTOR", 1.0) if X_API_USES_SIMULATOR else 1.0
# --- Demo: local sinks that stand in for Slack and SMTP (started by the run script).
SOCAP_SINK_HTTP_PORT = env_int("SOCAP_SINK_HTTP_PORT", 8766)


# --- Transport and production safety. Production refuses to start, naming the variable, rather
# than fall back to a laptop default (localhost hosts and Redis, an http site URL) or run unsafe.
if IS_PRODUCTION:
    for _name in ("DJANGO_ALLOWED_HOSTS", "SOCAP_SITE_URL", "REDIS_URL"):
        if not (env_str(_name) or "").strip():
            raise ImproperlyConfigured(f"{_name} is required when SOCAP_ENV=production.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be false when SOCAP_ENV=production "
                                   "(debug pages show settings and code to anyone).")
    if not SITE_URL.startswith("https://"):
        raise ImproperlyConfigured(f"SOCAP_SITE_URL must be an https:// address when SOCAP_ENV=production, "
                                   f"got {SITE_URL!r}.")
    if not env_bool("DJANGO_SECURE_COOKIES", True):
        raise ImproperlyConfigured("DJANGO_SECURE_COOKIES cannot be false when SOCAP_ENV=production "
                                   "(session and CSRF cookies travel over HTTPS only).")
SESSION_COOKIE_SECURE = True if IS_PRODUCTION else env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = IS_PRODUCTION
# Load balancers probe health over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^socap/health(/live)?$"]
SECURE_HSTS_SECONDS = env_int("SOCAP_HSTS_SECONDS", 365 * 24 * 3600 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SOCAP_HSTS_INCLUDE_SUBDOMAINS", IS_PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SOCAP_HSTS_PRELOAD", IS_PRODUCTION)
# X-Forwarded-Proto is believed only behind a proxy that sets it (and strips the client's own):
# otherwise anyone could claim HTTPS over plain HTTP.
SOCAP_TRUSTED_PROXY = env_bool("SOCAP_TRUSTED_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SOCAP_TRUSTED_PROXY else None
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
