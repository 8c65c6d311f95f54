"""The test suite. Unit tests never reach Redis; integration tests start their own."""

from config.env import BASE_DIR, env

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A worker process started by a browser test writes its e-mails where the test reads them.
if env("TEST_EMAIL_DIR", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("TEST_EMAIL_DIR")

# A file, not memory, so that a real Celery worker process sees the same test
# database as the test process. Each checkout has its own file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": env("TEST_SQLITE_PATH", default=str(BASE_DIR / ".test-db.sqlite3"))
    }

# Integration tests start their own Redis on this port (tests/conftest.py); the
# worker processes they start get the same URL. Unit tests find nothing there, so
# anything that would reach Redis fails fast instead of touching a developer's Redis.
if "TEST_REDIS_URL" not in env.ENVIRON:
    from config.devservices import free_port

    env.ENVIRON["TEST_REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
REDIS_URL = env("TEST_REDIS_URL")
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
CELERY_BROKER_URL = REDIS_URL

# Each test has its own database: never trust a questionnaire read by an earlier test.
QUALIFICATION_QUESTIONNAIRE_CACHE_SECONDS = 0

# Demo data commands (seed_demo, ensure_demo_staff): development only, never production.
INSTALLED_APPS = [*INSTALLED_APPS, "config.demo"]
