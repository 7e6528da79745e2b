"""Settings from the environment; SQLite by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from pathlib import Path

import dj_database_url

from huying.backends import (
    REDIS_TASK_BACKEND,
    presigned_origin,
    rq_queues_setting,
    storages_setting,
    task_backend_path,
    tasks_setting,
)
from huying.env import (
    EnvError,
    env_bool,
    env_choice,
    env_decimal,
    env_float,
    env_int,
    env_list,
    env_str,
    env_weights,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("HUYING_DATA_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("HUYING_DEBUG", False)
#: The public key anyone can read here: ``huying.core.checks`` refuses to start with it unless
#: DEBUG or the demo (HUYING_DEMO=1, which bin/demo sets) says this is no real deployment.
PUBLIC_SECRET_KEY = "insecure-demo-key-change-me-" + "x" * 24
SECRET_KEY = env_str("HUYING_SECRET_KEY", PUBLIC_SECRET_KEY)
HUYING_DEMO = env_bool("HUYING_DEMO", False)
ALLOWED_HOSTS = env_list("HUYING_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("HUYING_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "template_partials",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "huying.core",
    "huying.org",
    "huying.catalogue",
    "huying.cases",
    "huying.gazetteer",
    "huying.triage",
    "huying.hotline",
    "huying.evaluation",
    "huying.reports",
    "huying.grid",
    "huying.roads",
    "huying.coordination",
    "huying.onewindow",
    "huying.access",
    "huying.volunteers",
    "huying.deliberation",
    "huying.lifecircle",
    "huying.integrations",
    "huying.open311",
    "huying.ops",
    "huying.demo",
]

MIDDLEWARE = [
    # Outermost: request latency by view for /metrics (huying.ops.metrics), all of the stack.
    "huying.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "huying.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "huying.core.middleware.InputTextMiddleware",
    "huying.core.web.DomainErrorPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "huying.urls"
WSGI_APPLICATION = "huying.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "huying.org.web.acting_context",
                "huying.core.navigation.nav_context",
                "huying.lifecircle.context.lifecircle_context",
            ],
            # {% partialdef %} / {% partial %} everywhere, like Django 6's built-in partials.
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]
# Widgets by Django's own Jinja2 widget templates (and apps' jinja2/ directories), the
# admin's by Django templates: the same HTML, a fifth of the time.
FORM_RENDERER = "huying.core.renderers.WidgetRenderer"

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'huying.sqlite3'}")
_CONN_MAX_AGE = env_int("HUYING_CONN_MAX_AGE", 60, minimum=0)
# A kept connection is checked before a request (or the worker) reuses it: after a
# database restart it would otherwise answer one 500 per process and thread.
_CONN_HEALTH_CHECKS = env_bool("HUYING_CONN_HEALTH_CHECKS", True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=_CONN_MAX_AGE, conn_health_checks=_CONN_HEALTH_CHECKS
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on busy_timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": env_str("HUYING_TEST_SQLITE", "") or None}
    # The queues' covering indexes (``include=``) are PostgreSQL's; SQLite builds them
    # without the extra columns, which is all it can do, and every command said so.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the planner's row estimates for the live dashboard counts and the indicators
    # (OR EXISTS, many-branch FILTERs) cross jit_above_cost at millions of cases, and
    # compiling then costs 0.1–0.2 s per query (1.2 s for an indicator) for a query that runs
    # in less. DATABASE_URL's own ``?options=`` wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# Read replicas (huying.core.replicas): PostgreSQL streaming standbys of the primary, as
# replica_1, replica_2, …; only reads the code marks as allowed to lag go there. In tests each
# mirrors the test database (there is nothing to replicate it).
HUYING_REPLICA_URLS = env_list("HUYING_REPLICA_URLS", [])
for _n, _url in enumerate(HUYING_REPLICA_URLS, start=1):
    _replica = dj_database_url.parse(
        _url, conn_max_age=_CONN_MAX_AGE, conn_health_checks=_CONN_HEALTH_CHECKS
    )
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise EnvError(
            f"environment variable HUYING_REPLICA_URLS: replica {_n} is not a PostgreSQL URL"
        )
    _replica.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # A standby that is gone must not hold a request for the system's TCP timeout (minutes):
    # the router's lag check then falls back to the primary (the URL's own value wins).
    _replica["OPTIONS"].setdefault("connect_timeout", 3)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_n}"] = _replica
# A replica further behind than this (seconds) is not read; 0 reads it however far behind.
HUYING_REPLICA_MAX_LAG = env_int("HUYING_REPLICA_MAX_LAG", 30, minimum=0)
DATABASE_ROUTERS = ["huying.core.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    # Not a rule: told of every password change, it revokes the person's API tokens.
    {"NAME": "huying.org.api_auth.RevokeTokensOnPasswordChange"},
]
# Argon2id first (parameters and measurements in huying/org/hashers.py and
# docs/performance.md); PBKDF2 stays so that older hashes still verify and are upgraded to
# Argon2 at their owner's next sign-in.
PASSWORD_HASHERS = [
    "huying.org.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# --- the doors: sign-in locks, the public lookup, API tokens, HTTPS ---------------------------
# Sign-in: an account is locked after this many wrong passwords, an address after this many
# failures on any accounts, both for HUYING_LOGIN_LOCK_MINUTES (huying.org.throttle).
HUYING_LOGIN_MAX_FAILURES = env_int("HUYING_LOGIN_MAX_FAILURES", 5, minimum=1)
HUYING_LOGIN_IP_MAX_FAILURES = env_int("HUYING_LOGIN_IP_MAX_FAILURES", 20, minimum=1)
HUYING_LOGIN_LOCK_MINUTES = env_int("HUYING_LOGIN_LOCK_MINUTES", 15, minimum=1)
# /m/track: failed lookups per case number and per address before a pause.
HUYING_TRACK_MAX_FAILURES = env_int("HUYING_TRACK_MAX_FAILURES", 5, minimum=1)
HUYING_TRACK_IP_MAX_FAILURES = env_int("HUYING_TRACK_IP_MAX_FAILURES", 20, minimum=1)
HUYING_TRACK_LOCK_MINUTES = env_int("HUYING_TRACK_LOCK_MINUTES", 15, minimum=1)
# Bearer tokens live this many days.
HUYING_API_TOKEN_DAYS = env_int("HUYING_API_TOKEN_DAYS", 90, minimum=1)
# A token's owner and a person's acting role are remembered this many seconds (0: never);
# revoking, a password or grant change forgets them at once (``huying.org.authcache``).
HUYING_AUTH_CACHE_SECONDS = env_int("HUYING_AUTH_CACHE_SECONDS", 10, minimum=0)
# The current catalogue's items (each triage suggestion scores them all) are remembered this
# many seconds (0: never); any change to the catalogue forgets them at once.
HUYING_CATALOGUE_CACHE_SECONDS = env_int("HUYING_CATALOGUE_CACHE_SECONDS", 60, minimum=0)
# Reverse proxies in front of the app (nginx = 1): with any, their X-Forwarded-Proto and
# X-Forwarded-Host are trusted, and the client address is read from X-Forwarded-For.
HUYING_PROXY_HOPS = env_int("HUYING_PROXY_HOPS", 0, minimum=0)
if HUYING_PROXY_HOPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# HTTPS: off by default (bin/demo and development are plain HTTP); see README's production
# example, with which ``huying check --deploy`` is clean.
SECURE_SSL_REDIRECT = env_bool("HUYING_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("HUYING_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HUYING_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("HUYING_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("HUYING_SECURE_COOKIES", False)
# Content-Security-Policy (django-csp): scripts only from this site (the templates carry no
# inline script: page behaviours are data attributes read by core/page.js; JSON data blocks
# are not scripts). Inline styles stay allowed: style attributes in the templates, Leaflet,
# ECharts, htmx's indicator style and the API docs set them, and a style cannot run code.
# Map tiles come from HUYING_MAP_TILE_URL's site. HUYING_CSP=report-only only reports.
HUYING_CSP = env_choice("HUYING_CSP", "on", {"on", "report-only", "off"})

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # by role: field staff to /m/, others to the workbench
LOGOUT_REDIRECT_URL = "login"
STATIC_ROOT = DATA_DIR / "static"
# Nothing is served from MEDIA_URL: attachments go through the scope-checked view at /files/
# (huying.cases.file_views), and a front server must not expose MEDIA_ROOT either.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("HUYING_MEDIA_ROOT", str(DATA_DIR / "media")))

# Uploaded files: a directory (MEDIA_ROOT) by default; with HUYING_STORAGE=s3 a private bucket
# of an S3-compatible object store (huying.backends.storages_setting), shared by every machine.
HUYING_STORAGE = env_choice("HUYING_STORAGE", "filesystem", {"filesystem", "s3"})
STORAGES = storages_setting(
    HUYING_STORAGE,
    bucket=env_str("HUYING_S3_BUCKET", ""),
    endpoint_url=env_str("HUYING_S3_ENDPOINT_URL", ""),
    region=env_str("HUYING_S3_REGION", "us-east-1"),
    access_key=env_str("HUYING_S3_ACCESS_KEY", ""),
    secret_key=env_str("HUYING_S3_SECRET_KEY", ""),
    prefix=env_str("HUYING_S3_PREFIX", ""),
    addressing_style=env_choice("HUYING_S3_ADDRESSING_STYLE", "path", {"path", "virtual"}),
    url_seconds=env_int("HUYING_S3_URL_SECONDS", 300, minimum=10),
)

# Background work: the database queue by default (nothing to run but the database); with
# HUYING_TASK_BACKEND=redis, Redis at HUYING_REDIS_URL through django-tasks-rq, run by RQ
# inside ``huying worker`` (huying.ops.redis_queue). Any other value is a backend's path.
HUYING_TASK_BACKEND = env_str("HUYING_TASK_BACKEND", "db")
TASKS = tasks_setting(HUYING_TASK_BACKEND)
RQ_QUEUES = rq_queues_setting(env_str("HUYING_REDIS_URL", "redis://127.0.0.1:6379/0"))
# ``huying rqworker`` (django-rq's own command) then runs django-tasks' jobs too; it has no
# schedule or heartbeat, though: ``huying worker`` is the command to run.
RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
if task_backend_path(HUYING_TASK_BACKEND) == REDIS_TASK_BACKEND:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db"), "django_rq")

# Every line carries the request id (``-`` outside a request), the one the 500 page shows the
# user. Unhandled exceptions (django.request, with their traceback) go to the same stream;
# Django's default sends them nowhere unless DEBUG is on or ADMINS get mail.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "huying.ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "loggers": {
        "huying": {"handlers": ["console"], "level": env_str("HUYING_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# --- staying up (huying.ops) ----------------------------------------------------------------
# A RUNNING task started this long ago whose worker has stopped beating lost its worker: it is
# marked failed (and queued again when running it twice is harmless).
HUYING_TASK_STALE_AFTER = env_int("HUYING_TASK_STALE_AFTER", 600, minimum=1)
# A worker whose heartbeat is older than this is gone; /healthz answers 503 without a live one.
HUYING_WORKER_HEARTBEAT_MAX_AGE = env_int("HUYING_WORKER_HEARTBEAT_MAX_AGE", 120, minimum=10)
# /healthz answers 503 when a task due to run has waited longer than this in the queue.
HUYING_QUEUE_MAX_AGE = env_int("HUYING_QUEUE_MAX_AGE", 300, minimum=1)

# /metrics (Prometheus, huying.ops.metrics) answers a caller with this bearer token, or from
# these addresses / networks (comma-separated; through HUYING_PROXY_HOPS like the sign-in
# throttle); with neither it is a 404.
HUYING_METRICS_TOKEN = env_str("HUYING_METRICS_TOKEN", "")
HUYING_METRICS_ALLOW = env_list("HUYING_METRICS_ALLOW", [])
for _network in HUYING_METRICS_ALLOW:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise EnvError(
            f"environment variable HUYING_METRICS_ALLOW: {_network!r} is not an address or network"
        ) from None

# --- domain settings -------------------------------------------------------------------------
HUYING_DISTRICT_CODE = env_str("HUYING_DISTRICT_CODE", "JJ")
# Notification delivery: a dotted path to a backend callable (SMS, e-mail, webhook); logs by default.
# Reports from a street's own patch wait in the street's 待研判; after this many hours
# untriaged the hub's queue shows them too (huying.cases.queues).
HUYING_STREET_TRIAGE_HOURS = env_int("HUYING_STREET_TRIAGE_HOURS", 4, minimum=1)
HUYING_NOTIFY_BACKEND = env_str("HUYING_NOTIFY_BACKEND", "huying.core.notify.log_backend")
# Text messages to a number that has no account yet (a resident's sign-in code): a dotted path
# to a callable (phone, message), sent at once; the default writes them to the log (the demo's
# codes are read there). A deployment points it at its SMS gateway.
HUYING_SMS_BACKEND = env_str("HUYING_SMS_BACKEND", "huying.core.notify.log_text_backend")
# Channels that carry notifications out (huying.core.channels), each with a delivery per
# notification (huying.core.notify): a comma-separated list of email, sms, wecom, dingtalk,
# feishu; each request waits at most HUYING_CHANNEL_TIMEOUT seconds.
HUYING_NOTIFY_CHANNELS = env_list("HUYING_NOTIFY_CHANNELS", [])
_unknown_channels = set(HUYING_NOTIFY_CHANNELS) - {"email", "sms", "wecom", "dingtalk", "feishu"}
if _unknown_channels:
    raise EnvError(
        f"environment variable HUYING_NOTIFY_CHANNELS names unknown channels: {_unknown_channels}"
    )
HUYING_CHANNEL_TIMEOUT = env_int("HUYING_CHANNEL_TIMEOUT", 10, minimum=1)
# Delivery per channel (huying.core.notify): a failed send waits HUYING_NOTIFY_RETRY_FIRST
# seconds, doubling each time up to HUYING_NOTIFY_RETRY_CAP; after HUYING_NOTIFY_MAX_ATTEMPTS
# attempts the delivery is dead (the admin's 投递记录 lists it).
HUYING_NOTIFY_MAX_ATTEMPTS = env_int("HUYING_NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
HUYING_NOTIFY_RETRY_FIRST = env_int("HUYING_NOTIFY_RETRY_FIRST", 60, minimum=1)
HUYING_NOTIFY_RETRY_CAP = env_int("HUYING_NOTIFY_RETRY_CAP", 6 * 3600, minimum=1)
# Quiet hours (local time, may run past midnight; "off" for none): e-mail, SMS and robot
# messages written then wait until they end, except for urgent (L4) cases. A person may set
# their own on 通知设置.
HUYING_QUIET_HOURS = env_str("HUYING_QUIET_HOURS", "22:00-07:00")
# The site's address, for the links in outgoing messages.
HUYING_BASE_URL = env_str("HUYING_BASE_URL", "http://localhost:8000")
# 即将超期 reminders (huying.cases.reminders): remaining time at which the people responsible
# are reminded, once each per deadline: "1wd" one working day, "4h" four hours (working hours
# on a working-time clock).
HUYING_REMINDER_THRESHOLDS = env_list("HUYING_REMINDER_THRESHOLDS", ["1wd", "4h"])
# The leaders' daily digest (huying.cases.digest) goes out once a day from this local hour.
HUYING_DIGEST_HOUR = env_int("HUYING_DIGEST_HOUR", 8, minimum=0)
HUYING_SMS_GATEWAY_URL = env_str("HUYING_SMS_GATEWAY_URL", "")
HUYING_SMS_GATEWAY_KEY = env_str("HUYING_SMS_GATEWAY_KEY", "")
HUYING_SMS_GATEWAY_SECRET = env_str("HUYING_SMS_GATEWAY_SECRET", "")
HUYING_WECOM_WEBHOOK = env_str("HUYING_WECOM_WEBHOOK", "")
HUYING_DINGTALK_WEBHOOK = env_str("HUYING_DINGTALK_WEBHOOK", "")
HUYING_DINGTALK_SECRET = env_str("HUYING_DINGTALK_SECRET", "")
HUYING_FEISHU_WEBHOOK = env_str("HUYING_FEISHU_WEBHOOK", "")
HUYING_FEISHU_SECRET = env_str("HUYING_FEISHU_SECRET", "")
EMAIL_HOST = env_str("HUYING_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("HUYING_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("HUYING_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("HUYING_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("HUYING_EMAIL_TLS", False)
EMAIL_TIMEOUT = HUYING_CHANNEL_TIMEOUT
DEFAULT_FROM_EMAIL = env_str("HUYING_EMAIL_FROM", "huying@localhost")
# A resident's sign-in code (huying.org.phone_signin): how long it holds, how soon another may
# be sent to the same number, how many a number and an address may ask for in an hour, and
# how many wrong guesses one code survives.
HUYING_PHONE_CODE_MINUTES = env_int("HUYING_PHONE_CODE_MINUTES", 5, minimum=1)
HUYING_PHONE_CODE_RESEND_SECONDS = env_int("HUYING_PHONE_CODE_RESEND_SECONDS", 60, minimum=1)
HUYING_PHONE_CODES_PER_HOUR = env_int("HUYING_PHONE_CODES_PER_HOUR", 5, minimum=1)
HUYING_PHONE_CODES_IP_PER_HOUR = env_int("HUYING_PHONE_CODES_IP_PER_HOUR", 30, minimum=1)
HUYING_PHONE_CODE_GUESSES = env_int("HUYING_PHONE_CODE_GUESSES", 5, minimum=1)
# Attachments: allowed content types and size cap.
HUYING_ATTACHMENT_MAX_BYTES = env_int("HUYING_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
HUYING_ATTACHMENT_TYPES = env_list(
    "HUYING_ATTACHMENT_TYPES",
    ["image/jpeg", "image/png", "image/webp", "application/pdf"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = HUYING_ATTACHMENT_MAX_BYTES + 1024 * 1024
# An image with more pixels is refused before it is decoded (Pillow's decompression-bomb
# guard): 50 megapixels takes a full-resolution phone photo, not a 60 000 × 60 000 PNG.
HUYING_IMAGE_MAX_PIXELS = env_int("HUYING_IMAGE_MAX_PIXELS", 50_000_000, minimum=1)
# Who sends an attachment's bytes once the scope check has passed: Django itself (""), nginx
# ("nginx:/protected-media/", an `internal` location aliased to MEDIA_ROOT; X-Accel-Redirect)
# or Apache/lighttpd ("sendfile"; X-Sendfile with the absolute path).
# With files in S3 there is no path for a front server: Django streams them from the bucket
# (""), or answers with a redirect to a presigned URL that expires after
# HUYING_S3_URL_SECONDS ("presigned"; the browser must reach the object store).
HUYING_MEDIA_ACCEL = env_str("HUYING_MEDIA_ACCEL", "")
if HUYING_STORAGE == "s3":
    if HUYING_MEDIA_ACCEL not in ("", "presigned"):
        raise EnvError(
            f"environment variable HUYING_MEDIA_ACCEL={HUYING_MEDIA_ACCEL!r} must be empty or "
            "'presigned' with HUYING_STORAGE=s3"
        )
elif HUYING_MEDIA_ACCEL not in ("", "sendfile") and not (
    HUYING_MEDIA_ACCEL.startswith("nginx:/") and HUYING_MEDIA_ACCEL.endswith("/")
):
    raise EnvError(
        f"environment variable HUYING_MEDIA_ACCEL={HUYING_MEDIA_ACCEL!r} must be empty, "
        "'sendfile' or 'nginx:/<internal location>/'"
    )
# Map tiles: none by default (the map draws grids and cases on a plain background). Stored
# coordinates are WGS-84; 天地图 tiles use WGS-84 (CGCS2000), 高德/腾讯 tiles GCJ-02, so points
# and grid outlines are shifted to the tiles' system before they reach the browser.
HUYING_MAP_TILE_URL = env_str("HUYING_MAP_TILE_URL", "")
HUYING_MAP_TILE_ATTRIBUTION = env_str("HUYING_MAP_TILE_ATTRIBUTION", "")
HUYING_MAP_COORDS = env_choice("HUYING_MAP_COORDS", "wgs84", {"wgs84", "gcj02"})
# Evaluation (docs/glossary.md §4). Weights are exact decimals and each set must add up to 1, or
# start-up stops. Annual score = process × w1 + annual evaluation × w2 (过程评议和年度评议 7:3);
# the annual evaluation = streets' annual review × r1 + public survey × r2.
HUYING_SCORE_PROCESS_WEIGHT, HUYING_SCORE_ANNUAL_WEIGHT = env_weights(
    ("HUYING_SCORE_PROCESS_WEIGHT", "0.7"), ("HUYING_SCORE_ANNUAL_WEIGHT", "0.3")
)
HUYING_ANNUAL_REVIEW_WEIGHT, HUYING_ANNUAL_SURVEY_WEIGHT = env_weights(
    ("HUYING_ANNUAL_REVIEW_WEIGHT", "0.5"), ("HUYING_ANNUAL_SURVEY_WEIGHT", "0.5")
)
# 三率 composite: response, resolution and satisfaction rates.
(
    HUYING_COMPOSITE_RESPONSE_WEIGHT,
    HUYING_COMPOSITE_RESOLUTION_WEIGHT,
    HUYING_COMPOSITE_SATISFACTION_WEIGHT,
) = env_weights(
    ("HUYING_COMPOSITE_RESPONSE_WEIGHT", "0.1"),
    ("HUYING_COMPOSITE_RESOLUTION_WEIGHT", "0.45"),
    ("HUYING_COMPOSITE_SATISFACTION_WEIGHT", "0.45"),
)
# 满意率: a "basically satisfied" follow-up counts this much of a "satisfied" one.
HUYING_BASIC_SATISFIED_WEIGHT = env_decimal(
    "HUYING_BASIC_SATISFIED_WEIGHT", "0.9", minimum=Decimal(0), maximum=Decimal(1)
)
# A department with fewer rated cases than this in a period is listed but not ranked.
HUYING_RANKING_MIN_CASES = env_int("HUYING_RANKING_MIN_CASES", 3, minimum=1)
# 网格覆盖 (huying.reports.coverage): the informants each grid worker should have.
HUYING_INFORMANTS_PER_WORKER = env_int("HUYING_INFORMANTS_PER_WORKER", 20, minimum=1)
# 十五分钟生活圈: walking speed (metres a minute), how much longer the streets are than the
# straight line, the circle's minutes, and the coverage lattice's step (metres).
HUYING_LIFECIRCLE_WALK_M_PER_MIN = env_float("HUYING_LIFECIRCLE_WALK_M_PER_MIN", 80.0)
HUYING_LIFECIRCLE_DETOUR = env_float("HUYING_LIFECIRCLE_DETOUR", 1.2)
HUYING_LIFECIRCLE_MINUTES = env_int("HUYING_LIFECIRCLE_MINUTES", 15, minimum=1)
HUYING_LIFECIRCLE_LATTICE_M = env_int("HUYING_LIFECIRCLE_LATTICE_M", 150, minimum=20)
# 疑似重复 (huying.cases.duplicates): at triage, the open cases reported up to this many days
# before a case, within this many metres of its point (in its grid when either has no point),
# whose text is at least this similar (0–1: cosine of their characters and character pairs).
HUYING_DUPLICATE_METRES = env_int("HUYING_DUPLICATE_METRES", 200, minimum=1)
HUYING_DUPLICATE_DAYS = env_int("HUYING_DUPLICATE_DAYS", 7, minimum=1)
HUYING_DUPLICATE_SIMILARITY = float(
    env_decimal("HUYING_DUPLICATE_SIMILARITY", "0.4", minimum=Decimal(0), maximum=Decimal(1))
)
# 反复发生预警 (huying.cases.recurrence): the same catalogue item reported this many times
# within this many days, in one grid or within this many metres of one spot (0: grids only).
HUYING_RECURRENCE_COUNT = env_int("HUYING_RECURRENCE_COUNT", 3, minimum=2)
HUYING_RECURRENCE_DAYS = env_int("HUYING_RECURRENCE_DAYS", 30, minimum=1)
HUYING_RECURRENCE_METRES = env_int("HUYING_RECURRENCE_METRES", 100, minimum=0)
#: A scope (district or street) whose window holds this many cases has its warnings found by
#: the worker every REFRESH seconds and read from that snapshot while it is at most STALE
#: seconds old; smaller scopes are searched on each view (milliseconds at a district's
#: usual volume; ≈ 0.1 s at 2 000 cases, 0.2 s at 3 400, seconds at a city's volume).
HUYING_RECURRENCE_STORED_FROM = env_int("HUYING_RECURRENCE_STORED_FROM", 2_000, minimum=0)
HUYING_RECURRENCE_REFRESH_SECONDS = env_int("HUYING_RECURRENCE_REFRESH_SECONDS", 300, minimum=10)
HUYING_RECURRENCE_STALE_SECONDS = env_int("HUYING_RECURRENCE_STALE_SECONDS", 900, minimum=10)
# 三陪同 (huying.grid.compliance): patrols a week on which a street cadre accompanies each grid
# worker; the weekly compliance table counts the shortfall against it.
HUYING_ESCORTS_PER_WEEK = env_int("HUYING_ESCORTS_PER_WEEK", 2, minimum=0)


# Presigned downloads: an <img> of /files/… is redirected to the object store, and the policy
# applies to where a redirect lands, so the store's origin is allowed to serve images.
_FILE_SOURCES = (
    [presigned_origin(STORAGES["default"]["OPTIONS"])] if HUYING_MEDIA_ACCEL == "presigned" else []
)


def _csp(tile_url: str, file_sources: list[str]) -> dict[str, object]:
    from urllib.parse import urlsplit

    from csp.constants import NONE, SELF

    tiles = urlsplit(tile_url.replace("{s}", "a"))
    # Leaflet's {s} subdomains (a, b, c…) share the tile host's parent: allow them all.
    tile_host = tiles.netloc.replace("a.", "*.", 1) if "{s}." in tile_url else tiles.netloc
    tile_sources = [f"{tiles.scheme}://{tile_host}"] if tiles.scheme and tile_host else []
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF, "'unsafe-inline'"],
            "img-src": [SELF, "data:", "blob:", *tile_sources, *file_sources],
            "font-src": [SELF, "data:"],
            "connect-src": [SELF, *file_sources],
            "worker-src": [SELF],
            "manifest-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        }
    }


if HUYING_CSP == "on":
    CONTENT_SECURITY_POLICY = _csp(HUYING_MAP_TILE_URL, _FILE_SOURCES)
elif HUYING_CSP == "report-only":
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp(HUYING_MAP_TILE_URL, _FILE_SOURCES)
else:
    MIDDLEWARE.remove("csp.middleware.CSPMiddleware")
# The case trail's seal (huying.core.trailkey): a key outside the database, from the
# environment or a key file created on first use (owner-only); anchors of the trail heads
# are appended to files the database user cannot rewrite.
HUYING_TRAIL_KEY = env_str("HUYING_TRAIL_KEY", "")
HUYING_TRAIL_KEY_FILE = Path(env_str("HUYING_TRAIL_KEY_FILE", str(DATA_DIR / "trail.key")))
HUYING_TRAIL_ANCHOR_DIR = Path(env_str("HUYING_TRAIL_ANCHOR_DIR", str(DATA_DIR / "anchors")))
HUYING_TRAIL_ANCHOR_INTERVAL = env_int("HUYING_TRAIL_ANCHOR_INTERVAL", 3600, minimum=60)
# How often the worker retrains the triage suggestion from the triaged cases (seconds; a day).
HUYING_TRIAGE_TRAIN_INTERVAL = env_int("HUYING_TRIAGE_TRAIN_INTERVAL", 86400, minimum=3600)

# --- other systems (huying.integrations) -----------------------------------------------------
# Webhooks: how long one POST may take (seconds), how many tries before a delivery is dead,
# the wait after the first failure (doubled after each next one, up to the cap), and how
# often the worker delivers. A delivery claimed by a worker that then died is offered again
# after HUYING_WEBHOOK_LEASE seconds (it may then arrive twice, with the same delivery id).
HUYING_WEBHOOK_TIMEOUT = env_int("HUYING_WEBHOOK_TIMEOUT", 10, minimum=1)
HUYING_WEBHOOK_MAX_ATTEMPTS = env_int("HUYING_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
HUYING_WEBHOOK_BACKOFF = env_int("HUYING_WEBHOOK_BACKOFF", 30, minimum=1)
HUYING_WEBHOOK_BACKOFF_CAP = env_int("HUYING_WEBHOOK_BACKOFF_CAP", 6 * 3600, minimum=1)
HUYING_WEBHOOK_LEASE = env_int("HUYING_WEBHOOK_LEASE", 300, minimum=30)
HUYING_WEBHOOK_INTERVAL = env_int("HUYING_WEBHOOK_INTERVAL", 10, minimum=1)
