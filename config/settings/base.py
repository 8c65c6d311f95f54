"""Settings shared by every environment. Values from the environment come from config.env."""

from celery.schedules import crontab
from corsheaders.defaults import default_headers as default_cors_headers

from config.database import sqlite_options
from config.env import BASE_DIR, email_config, env

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env("DJANGO_DEBUG")
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "crm",
    "qualification",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # On every response below it, errors and JSON included (CSP_DIRECTIVES).
    "config.middleware.ContentSecurityPolicyMiddleware",
    # A view that finds the database busy answers 503 with Retry-After (config/database.py).
    "config.middleware.DatabaseBusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Answers before any view runs (CSRF checks happen in process_view, later), so
    # a post without a CSRF token counts against the limit too.
    "config.middleware.AdminLoginRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_env() -> dict:
    db = env.db_url_config(env("DATABASE_URL"))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # Many writers at once (web threads, workers, beat): see config/database.py.
        # 30 s is the patience of workers and commands; web processes lower it to
        # DB_WEB_BUSY_TIMEOUT at their entry point (config/wsgi.py).
        db["OPTIONS"] = sqlite_options(busy_timeout=30)
    # Keep each process's connection between requests: reopening it (and, for SQLite,
    # running the PRAGMAs and losing the prepared statements) cost ~2.5 ms a request.
    db["CONN_MAX_AGE"] = 60
    db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {"default": database_from_env()}
# Seconds a web request waits for a busy database (SQLite's lock, PostgreSQL's
# lock_timeout) before it answers 503 with Retry-After (config/database.py).
DB_WEB_BUSY_TIMEOUT = env("DJANGO_DB_WEB_BUSY_TIMEOUT")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first: the practice and most of its prospects are in Québec.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
TIME_ZONE = "America/Montreal"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]

# The Content-Security-Policy of every response (config/middleware.py): only this site's
# own scripts, styles, images and forms; no inline script or style anywhere (not even a
# style attribute), no plugins, no framing. Images may be data: URIs (the admin's and the
# Swagger UI's icons).
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# Redis: the Celery broker, and the cache that the throttles share across processes.
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cmo-leads",
        # A cache that is down must fail fast, never hold a request.
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
}

# Celery: idempotent tasks, acknowledged after they ran, one at a time per process,
# so a worker that dies hands its task back instead of losing it.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending must never hang a web request when Redis is down: short socket timeouts,
# no publish retries (the periodic sweep re-sends what is still pending).
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any retry delay or countdown, or Redis would hand a task to a
    # second worker while the first is still waiting on it.
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 0.5,
    # A Redis that accepts connections but does not answer (frozen, overloaded) must
    # not hold a web request either: a publish gives up after this long.
    "socket_timeout": 0.25,
    "max_retries": 0,
}
# Worker processes (config/celery_app.py) wait longer: they block on BRPOP for a second.
CELERY_WORKER_BROKER_SOCKET_TIMEOUT = 5
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Defaults for django-celery-beat; the schedules are then editable in the admin.
CELERY_BEAT_SCHEDULE = {
    # Sends again what is still pending (Redis was down when it was submitted).
    "qualification-sweep-pending": {
        "task": "qualification.tasks.sweep_pending_submissions",
        "schedule": env("PENDING_SWEEP_SECONDS"),
    },
    # Deletes spam past QUALIFICATION_SPAM_RETENTION_DAYS, forgets old idempotency keys.
    "qualification-daily-purge": {
        "task": "qualification.tasks.purge_submissions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Outbound webhooks: queues the messages that are due (retries, and those Redis missed).
    "crm-webhooks-sweep": {
        "task": "crm.tasks.sweep_webhooks",
        "schedule": 15.0,
    },
    "crm-daily-webhook-log-purge": {
        "task": "crm.tasks.purge_webhook_log",
        "schedule": crontab(hour=3, minute=45),
    },
    # The retention policy (CRM_RETENTION_*, QUALIFICATION_FAILED_RETENTION_DAYS).
    "crm-daily-retention": {
        "task": "crm.tasks.apply_retention",
        "schedule": crontab(hour=4, minute=0),
    },
    "crm-daily-follow-up-digest": {
        "task": "crm.tasks.send_follow_up_digests",
        "schedule": crontab(hour=7, minute=30),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "crm.authentication.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Trusted reverse proxies in front of the web process: the throttles (and the admin
    # login limit, config/middleware.py) take the client's address from X-Forwarded-For
    # that many hops from the right. 0: REMOTE_ADDR. More than the real number of proxies
    # lets a client pick its own address.
    "NUM_PROXIES": env("DJANGO_NUM_PROXIES"),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CMO leads API",
    "DESCRIPTION": "Public questionnaire intake and the practice's staff pipeline API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name for a choice set used by several fields (the webhooks' event types).
    "ENUM_NAME_OVERRIDES": {"WebhookEventTypeEnum": "crm.models_webhooks.WebhookEventType"},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validator badge: it is an image from validator.swagger.io, outside the CSP.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_framework_errors",
    ],
}

CORS_ALLOWED_ORIGINS = env("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/v1/(questionnaire|submissions)/.*$"
# A partner page retries its post safely with an Idempotency-Key, and reads where the
# submission is and how long to wait when throttled.
CORS_ALLOW_HEADERS = (*default_cors_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["Location", "Retry-After", "Idempotent-Replayed"]

# A public submission is small: refuse anything over 64 KiB before parsing it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

EMAIL_CONFIG = email_config("DJANGO_EMAIL_URL")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")

# The apps' own settings (see crm/app_settings.py and qualification/app_settings.py).
CRM_PRACTICE_EMAIL = env("PRACTICE_EMAIL")
# The site's public address: every link in the e-mails starts with it (crm.W001 when unset
# with DEBUG off). The run command sets it to its own address.
CRM_SITE_URL = env("SITE_URL")
QUALIFICATION_SUBMISSION_RATE = env("SUBMISSION_RATE_LIMIT")
QUALIFICATION_CLASSIFY_BATCH_SIZE = env("CLASSIFY_BATCH_SIZE")
QUALIFICATION_CLAIM_SECONDS = env("CLASSIFY_CLAIM_SECONDS")
# Webhooks to loopback/private addresses (and plain http): development and tests only.
CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env("WEBHOOK_ALLOW_PRIVATE_NETWORKS")
# The prospect's next step (qualification/prospect/outcome.py): the booking page for a good
# enough fit ({name} and {email} filled in), else a resource, else "we will write to you".
QUALIFICATION_BOOKING_URL = env("BOOKING_URL")
QUALIFICATION_BOOKING_MIN_GRADE = env("BOOKING_MIN_GRADE")
QUALIFICATION_RESOURCE_URL = env("RESOURCE_URL")

# Posts to the admin login per client address and username (config/middleware.py).
ADMIN_LOGIN_RATE_LIMIT = env("ADMIN_LOGIN_RATE_LIMIT")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
