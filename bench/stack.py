"""Start the stack the way production does, on loopback, for benchmarks.

gunicorn (2 sync workers) serving ``config.wsgi`` with production settings, a Celery
worker, and Redis, on a throwaway SQLite database (or ``DATABASE_URL`` when it points
to PostgreSQL). Everything is stopped on exit; nothing touches ``db.sqlite3``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from config.devservices import RedisProcess, free_port

ROOT = Path(__file__).resolve().parent.parent


def stack_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SUBMISSION_RATE_LIMIT="1000000/minute",
        DJANGO_EMAIL_URL="dummymail://",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answered, even if not with 200
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def database(tmp: Path):
    """A fresh, migrated database: SQLite in ``tmp``, or the PostgreSQL of DATABASE_URL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = stack_env(url, "redis://127.0.0.1:1/0")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    yield url


@contextlib.contextmanager
def services(
    database_url: str,
    tmp: Path,
    *,
    web: bool = True,
    worker: bool = True,
    wsgi_app: str = "config.wsgi",
    web_workers: int = 2,
    worker_concurrency: int = 1,
):
    """Redis + (optionally) gunicorn + (optionally) a Celery worker. Yields their URLs."""
    # A Redis of its own on each call: one sharing the folder would reload the queue of
    # an earlier phase from its append-only file.
    redis_server = RedisProcess(data_dir=tempfile.mkdtemp(prefix="redis-", dir=tmp)).start()
    env = stack_env(database_url, redis_server.url)
    processes: list[subprocess.Popen] = []
    port = free_port()
    try:
        if worker:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel",
                     "WARNING", "--concurrency", str(worker_concurrency), "--without-gossip",
                     "--without-mingle", "--without-heartbeat"],
                    cwd=ROOT, env=env, stdout=open(tmp / "worker.log", "ab"),
                    stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
        if web:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", wsgi_app, "--bind", f"127.0.0.1:{port}",
                     "--workers", str(web_workers), "--log-level", "warning"],
                    cwd=ROOT, env=env, stdout=open(tmp / "web.log", "ab"),
                    stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            wait_http(f"http://127.0.0.1:{port}/healthz" if wsgi_app == "config.wsgi"
                      else f"http://127.0.0.1:{port}/")  # fmt: skip
        yield {"web": f"http://127.0.0.1:{port}", "redis": redis_server.url, "env": env}
    finally:
        for process in reversed(processes):
            stop(process)
        redis_server.stop()


def machine_description() -> str:
    import platform

    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}"
    )


def throwaway_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="cmo-bench-")
