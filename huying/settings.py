"""Settings from the environment; SQLite by default, PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dj_database_url

from huying.env import (
    env_bool,
    env_choice,
    env_decimal,
    env_int,
    env_list,
    env_str,
    env_weights,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("HUYING_DATA_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("HUYING_DEBUG", False)
SECRET_KEY = env_str("HUYING_SECRET_KEY", "insecure-demo-key-change-me-" + "x" * 24)
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
    "huying.evaluation",
    "huying.reports",
    "huying.grid",
    "huying.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "huying.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "huying.core.web.acting_context",
            ],
            # {% partialdef %} / {% partial %} everywhere, like Django 6's built-in partials.
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'huying.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("HUYING_CONN_MAX_AGE", 60, minimum=0)
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the planner's row estimates for the live dashboard counts and the indicators
    # (OR EXISTS, many-branch FILTERs) cross jit_above_cost at millions of cases, and
    # compiling then costs 0.1–0.2 s per query (1.2 s for an indicator) for a query that runs
    # in less. DATABASE_URL's own ``?options=`` wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("HUYING_MEDIA_ROOT", str(DATA_DIR / "media")))

TASKS = {
    "default": {
        "BACKEND": env_str("HUYING_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"huying": {"handlers": ["console"], "level": env_str("HUYING_LOG_LEVEL", "INFO")}},
}

# --- domain settings -------------------------------------------------------------------------
HUYING_DISTRICT_CODE = env_str("HUYING_DISTRICT_CODE", "JJ")
# Notification delivery: a dotted path to a backend callable (SMS, e-mail, webhook); logs by default.
HUYING_NOTIFY_BACKEND = env_str("HUYING_NOTIFY_BACKEND", "huying.core.notify.log_backend")
# Attachments: allowed content types and size cap.
HUYING_ATTACHMENT_MAX_BYTES = env_int("HUYING_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
HUYING_ATTACHMENT_TYPES = env_list(
    "HUYING_ATTACHMENT_TYPES",
    ["image/jpeg", "image/png", "image/webp", "application/pdf"],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = HUYING_ATTACHMENT_MAX_BYTES + 1024 * 1024
# Map tiles: none by default (the map draws grids and cases on a plain background). Stored
# coordinates are WGS-84; 天地图 tiles use WGS-84 (CGCS2000), 高德/腾讯 tiles GCJ-02, so points
# and grid outlines are shifted to the tiles' system before they reach the browser.
HUYING_MAP_TILE_URL = env_str("HUYING_MAP_TILE_URL", "")
HUYING_MAP_TILE_ATTRIBUTION = env_str("HUYING_MAP_TILE_ATTRIBUTION", "")
HUYING_MAP_COORDS = env_choice("HUYING_MAP_COORDS", "wgs84", {"wgs84", "gcj02"})
# Evaluation (PRODUCT.md §4). Weights are exact decimals and each set must add up to 1, or
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
# The case trail's seal (huying.core.trailkey): a key outside the database, from the
# environment or a key file created on first use (owner-only); anchors of the trail heads
# are appended to files the database user cannot rewrite.
HUYING_TRAIL_KEY = env_str("HUYING_TRAIL_KEY", "")
HUYING_TRAIL_KEY_FILE = Path(env_str("HUYING_TRAIL_KEY_FILE", str(DATA_DIR / "trail.key")))
HUYING_TRAIL_ANCHOR_DIR = Path(env_str("HUYING_TRAIL_ANCHOR_DIR", str(DATA_DIR / "anchors")))
HUYING_TRAIL_ANCHOR_INTERVAL = env_int("HUYING_TRAIL_ANCHOR_INTERVAL", 3600, minimum=60)
