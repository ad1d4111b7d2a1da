"""Settings, driven by environment variables (see the table in README.md).

Without any variable set this is the embedded mode: SQLite and a file-system job queue under
``var/``, an in-process channel layer, mail kept in the database for the owner to read.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("RELASI_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("RELASI_SECRET_KEY")
    if key:
        return key
    # Embedded mode: one key per installation, kept beside the database.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


TESTING = "pytest" in sys.modules or os.environ.get("RELASI_TESTING") == "1"
DEBUG = env_bool("RELASI_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("RELASI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("RELASI_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
HTTPS = env_bool("RELASI_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "ninja",
    "channels",
    "relasi.core",
    "relasi.accounts",
    "relasi.contacts",
    "relasi.sales",
    "relasi.conversations",
    "relasi.analytics",
    "relasi.surveys",
    "relasi.channels.whatsapp",
    "relasi.channels.email",
    "relasi.channels.webchat",
    "relasi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "relasi.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "relasi.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "relasi.config.urls"
WSGI_APPLICATION = "relasi.config.wsgi.application"
ASGI_APPLICATION = "relasi.config.asgi.application"

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
                "relasi.web.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'relasi.sqlite3'}",
        conn_max_age=int(os.environ.get("RELASI_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while the web process reads; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests that check hashing use it explicitly.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and formats (reference/indonesia.md R14–R19).
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["relasi.core.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Jakarta"
LANGUAGE_COOKIE_NAME = "relasi_language"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Real-time inbox (relasi/conversations/realtime.py): the websocket is served by uvicorn
# (relasi.config.asgi). RELASI_REALTIME_URL: empty = the page's own origin (a proxy routes /ws/
# to uvicorn); "ws://host:port" = a separate port (what `relasi run` sets); "off" = no socket,
# the inbox polls. RELASI_REALTIME_DB_WATCH: "auto" watches the database for changes made by
# other processes when the channel layer is in-memory (no Redis); "on"/"off" force it.
RELASI_REALTIME_URL = os.environ.get("RELASI_REALTIME_URL", "").strip()
RELASI_REALTIME_DB_WATCH = os.environ.get("RELASI_REALTIME_DB_WATCH", "auto").strip().lower()
RELASI_REALTIME_WATCH_SECONDS = float(os.environ.get("RELASI_REALTIME_WATCH_SECONDS", "1.5"))

# Background jobs.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = DATA_DIR / "queue"
    for _sub in ("in", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "in"),
        "data_folder_out": str(_queue_dir / "in"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Hourly, so that every time zone (WIB, WITA, WIT) sees offers expire soon after its midnight.
    "sales-quotations-expire": {"task": "sales.quotations_expire", "schedule": crontab(minute=15)},
    "sales-activities-remind-due": {"task": "sales.activities_remind_due", "schedule": 300.0},
    # WhatsApp events stored but never processed (a worker died): queue them again.
    "whatsapp-events-sweep": {"task": "whatsapp.events_sweep", "schedule": crontab(minute="*/5")},
    # E-mail inboxes: poll each IMAP mailbox (one job per mailbox) and retry unfinished mails.
    "email-poll-mailboxes": {"task": "email.poll_mailboxes", "schedule": 60.0},
    # Customer analytics: every workspace's metrics, nightly at 02:30 (server time).
    "analytics-metrics-refresh": {
        "task": "analytics.metrics_refresh_all",
        "schedule": crontab(hour=2, minute=30),
    },
}

# Mail: SMTP when configured, else the in-app outbox the owner reads under Pengaturan.
EMAIL_BACKEND = os.environ.get("RELASI_EMAIL_BACKEND", "relasi.core.mail.OutboxEmailBackend")
EMAIL_HOST = os.environ.get("RELASI_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("RELASI_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("RELASI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RELASI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("RELASI_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("RELASI_FROM_EMAIL", "Relasi <noreply@relasi.local>")
RELASI_BASE_URL = os.environ.get("RELASI_BASE_URL", "http://127.0.0.1:8000")
# The demo's customer simulator (channels/whatsapp/simulator.py); `relasi run` switches it on.
RELASI_SIMULATOR = env_bool("RELASI_SIMULATOR", False)

# Security.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # the token travels in forms and hx-headers, never read by JS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and not env_bool("RELASI_BEHIND_TLS_PROXY_NO_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("RELASI_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("RELASI_TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Sign-in throttling: failures per e-mail address and per client address.
RELASI_LOGIN_MAX_FAILURES = int(os.environ.get("RELASI_LOGIN_MAX_FAILURES", "5"))
RELASI_LOGIN_LOCKOUT_SECONDS = int(os.environ.get("RELASI_LOGIN_LOCKOUT_SECONDS", "900"))

# Uploads: imports may be large; they are streamed to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
RELASI_IMPORT_MAX_BYTES = int(os.environ.get("RELASI_IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RELASI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50

if TESTING:
    # With REDIS_URL set (CI) the tests use the real Redis cache, else a local one.
    if not REDIS_URL:
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = os.environ.get("RELASI_TEST_BROKER_URL", "memory://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
