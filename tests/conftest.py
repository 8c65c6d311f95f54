"""Shared fixtures: a real Redis, a real Celery worker process, headless Chromium.

Unit tests need none of them. Integration tests ask for ``live_stack`` (or the parts),
browser tests for ``page``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.devservices import RedisProcess

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"

# Playwright's sync API runs an event loop in the test thread; Django would then
# refuse the test's own (synchronous) database calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- Redis -------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server():
    """A real Redis on the port the test settings point at; stopped at the end."""
    port = int(settings.REDIS_URL.rsplit(":", 1)[1].split("/")[0])
    server = RedisProcess(port=port).start()
    yield server
    server.stop()


@pytest.fixture
def redis_up(redis_server):
    """The session's Redis, running now and emptied; restarted afterwards if a test stopped it."""
    if redis_server.process is None:
        redis_server.start()
    import redis

    redis.Redis.from_url(redis_server.url).flushall()
    yield redis_server
    if redis_server.process is None:
        redis_server.start()


# --- the live web server ---------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server, as patient with a busy database as a web process is
    (config/wsgi.py does the same for gunicorn and runserver). The test process shares
    its database settings, so its own queries from then on are as patient too."""
    from config.database import use_web_database_timeouts

    use_web_database_timeouts()
    return live_server


# --- Celery worker process ------------------------------------------------------


def database_url_for_subprocess() -> str:
    """The URL of the test database (not the development one) for child processes."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db.get("USER") or "")
    password = quote(db.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{db['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url_for_subprocess(),
        TEST_REDIS_URL=settings.REDIS_URL,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class WorkerProcess:
    """``celery -A config worker`` as a real child process, with its log in a file."""

    def __init__(
        self,
        log_dir: Path,
        concurrency: int = 1,
        pool: str = "prefork",
        app: str = "config",
        **env,
    ):
        self.app = app  # another module may wrap the Celery app to inject a fault
        self.name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.log_path = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.concurrency = concurrency
        self.pool = pool
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> WorkerProcess:
        command = [
            sys.executable, "-m", "celery", "-A", self.app, "worker",
            "--loglevel", "INFO", "--pool", self.pool, "--concurrency", str(self.concurrency),
            "--hostname", self.name, "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=subprocess_env(**self.env), stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.log()}")
            time.sleep(0.1)
        raise RuntimeError(f"celery worker not ready in {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker dies without a goodbye."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, 9)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()


@pytest.fixture
def worker_factory(redis_up, tmp_path):
    """Start as many real workers as a test needs; all are stopped afterwards."""
    workers: list[WorkerProcess] = []

    def start(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, **kwargs).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker_process(worker_factory):
    return worker_factory()


@pytest.fixture
def live_stack(live_server, redis_up, celery_worker_process):
    """A live Django server, a real Redis and a real Celery worker, all on loopback.

    Tests using it need ``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``
    so the reference data (questionnaire, ruleset) from the data migrations survives.
    """
    return {"url": live_server.url, "redis": redis_up, "worker": celery_worker_process}


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll until ``predicate()`` is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")


# --- Celery eager mode (unit tests only) --------------------------------------


@pytest.fixture
def celery_eager():
    """Run tasks in-process. For unit tests of task logic only."""
    from config.celery_app import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


# --- Headless Chromium ---------------------------------------------------------


CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium_path() -> str:
    found = (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not found:
        pytest.fail(
            "Browser tests need Chromium: on Debian or Ubuntu run `sudo apt-get install chromium`"
            " (or set CHROMIUM_PATH to a Chromium binary). Playwright cannot download one here."
        )
    return found


@pytest.fixture(scope="session")
def browser(django_db_setup):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright keeps an event loop running in this thread; from then on Django's
    # connection handler (asgiref Local) hands this thread other connection objects,
    # without the reference data that serialized_rollback restores. Carry it over,
    # or every transactional test after the first browser test finds an empty database.
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-CA", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- A webhook receiver (a real HTTP server thread on loopback) ---------------------------


@pytest.fixture
def receiver():
    from tests.webhook_receiver import Receiver

    server = Receiver().start()
    yield server
    server.stop()
