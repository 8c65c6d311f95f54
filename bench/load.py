"""A small closed-loop HTTP load generator: N client processes, keep-alive when offered."""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlparse


def _client(url: str, method: str, make_body, seconds: float, queue: mp.Queue, seed: int):
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    statuses: Counter = Counter()
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < deadline:
        body = json.dumps(make_body(seed, i)).encode() if make_body else None
        headers = {"Content-Type": "application/json"} if body else {}
        started = time.perf_counter()
        try:
            conn.request(method, parsed.path or "/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            statuses[response.status] += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (http.client.HTTPException, OSError):
            statuses["error"] += 1
            conn.close()
        latencies.append(time.perf_counter() - started)
        i += 1
    queue.put((dict(statuses), latencies))


def measure(
    url: str,
    *,
    method: str = "GET",
    make_body: Callable[[int, int], dict] | None = None,
    seconds: float = 10.0,
    clients: int = 4,
) -> dict:
    """Requests a second (2xx only) over ``seconds``, with ``clients`` concurrent clients."""
    queue: mp.Queue = mp.Queue()
    workers = [
        mp.Process(target=_client, args=(url, method, make_body, seconds, queue, seed))
        for seed in range(clients)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    statuses: Counter = Counter()
    latencies: list[float] = []
    for counts, lat in results:
        statuses.update(counts)
        latencies.extend(lat)
    ok = sum(n for status, n in statuses.items() if isinstance(status, int) and status < 300)
    latencies.sort()
    return {
        "rate": ok / elapsed,
        "statuses": dict(statuses),
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else None,
    }
