"""The site's settings for its tests: a Redis of their own, a test database in a file."""

import os
import socket
import tempfile


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Chosen before the site's settings read them; the worker processes inherit them.
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:{_free_port()}/0")
if "HOST_TEST_DB" not in os.environ:
    os.environ["HOST_TEST_DB"] = os.path.join(tempfile.mkdtemp(prefix="practice-site-"), "db")

from practice_site.settings import *  # noqa: E402, F403
from practice_site.settings import DATABASES  # noqa: E402

# A file, not memory, so that a Celery worker process sees the test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ["HOST_TEST_DB"]}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Each test has its own database: never trust a questionnaire read by an earlier test.
QUALIFICATION_QUESTIONNAIRE_CACHE_SECONDS = 0
