"""The one place that reads environment variables (the apps never do)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

# The development key is public on purpose; production settings refuse it.
DEV_SECRET_KEY = "dev-insecure-key-do-not-use-in-production-cmo-leads"

env = environ.Env(
    DJANGO_DEBUG=(bool, False),
    DJANGO_SECRET_KEY=(str, DEV_SECRET_KEY),
    DJANGO_ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1"]),
    DATABASE_URL=(str, f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    REDIS_URL=(str, "redis://127.0.0.1:6379/0"),
    PORT=(int, 8000),
    SUBMISSION_RATE_LIMIT=(str, "20/minute"),
    ADMIN_LOGIN_RATE_LIMIT=(str, "10/minute"),
    PENDING_SWEEP_SECONDS=(float, 60.0),
    CLASSIFY_BATCH_SIZE=(int, 100),
    CLASSIFY_CLAIM_SECONDS=(float, 30.0),
    CORS_ALLOWED_ORIGINS=(list, []),
    DJANGO_EMAIL_URL=(str, "consolemail://"),
    DEFAULT_FROM_EMAIL=(str, "leads@localhost"),
    PRACTICE_EMAIL=(str, "cmo@localhost"),
    DJANGO_CSRF_TRUSTED_ORIGINS=(list, []),
    DJANGO_SECURE_SSL_REDIRECT=(bool, True),
    DJANGO_NUM_PROXIES=(int, 0),
    SITE_URL=(str, ""),
    DJANGO_DB_WEB_BUSY_TIMEOUT=(float, 5.0),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS=(bool, False),
    BOOKING_URL=(str, ""),
    BOOKING_MIN_GRADE=(str, "B"),
    RESOURCE_URL=(str, ""),
)


def email_config(var: str = "DJANGO_EMAIL_URL") -> dict:
    """django-environ's e-mail settings from ``var``, with the file backend's folder as
    written: ``filemail:///tmp/mails`` is the absolute folder ``/tmp/mails`` (django-environ
    drops the leading slash and would write under the current directory), and
    ``filemail://mails`` a folder relative to where the process starts."""
    url = env(var)
    config = env.email_url_config(url)
    if url.startswith("filemail://"):
        config["EMAIL_FILE_PATH"] = str(Path(url[len("filemail://") :] or ".").expanduser())
    return config
