"""All the speed figures in one run, written to bench/RESULTS.md.

    python -m bench.run            # SQLite; with DATABASE_URL=postgres://... that database

Starts the stack the way production does (bench/stack.py: gunicorn with 2 sync
workers and production settings, a Celery worker, Redis) on a throwaway database and
measures, in the same run:

1. requests a second of ``POST /api/v1/submissions/`` against the floor (a bare WSGI
   app doing only what a durable intake must: parse, one insert in one transaction,
   one Redis push; bench/floor_app.py) and against ``GET /healthz``, all served by the
   same gunicorn and driven by the same load generator;
2. submission-to-classified latency (p50/p95) at a steady 50 submissions a second;
3. the qualification and follow-up benchmarks (bench_qualification, bench_admin),
   run as subprocesses, their output included.

Figures only, no assertions: compare them with the targets printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.load import measure
from bench.stack import ROOT, database, machine_description, services, throwaway_dir

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

ANSWERS = {
    "needs": ["align_strategy", "structure_team"],
    "horizon": "ongoing",
    "involvement": "join_leadership",
    "represent_company": "yes",
    "supervise_team": "yes",
    "time_commitment": "one_or_two_days_week",
    "marketing_team_size": "one_or_two",
    "marketing_leader": "none",
    "strategy_state": "none_or_fragile",
    "employees": "10_49",
    "annual_revenue": "2m_10m",
    "monthly_budget": "5k_10k",
    "start": "this_quarter",
    "decision_role": "owner_or_ceo",
}


def submission(prefix: str, seed: int, i: int) -> dict:
    return {
        "language": "fr",
        "contact": {"first_name": "Banc", "email": f"{prefix}-{seed}-{i}@bench.example"},
        "company": {"name": f"Banc d'essai {seed}-{i}"},
        "answers": ANSWERS,
        "consent": {"contact": True, "marketing": False},
    }


def _intake_body(seed: int, i: int) -> dict:
    return submission("rate", seed, i)


def post(url: str, body: dict) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def steady_rate(base: str, *, rate: float, seconds: float) -> int:
    """Post ``rate`` submissions a second for ``seconds`` (open loop); returns how many."""
    total = int(rate * seconds)
    started = time.perf_counter()
    threads = []
    for i in range(total):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(
            target=post, args=(base + "/api/v1/submissions/", submission("steady", 0, i))
        )
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return total


LATENCY_SQL = """
import json
from qualification.models import Submission
rows = Submission.objects.filter(
    payload__contact__email__startswith="steady-"
).values_list("status", "created_at", "classified_at")
print(json.dumps([[s, (b - a).total_seconds() if b else None] for s, a, b in rows]))
"""


def latencies(env: dict) -> list[tuple[str, float | None]]:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", LATENCY_SQL],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def sub_benchmark(module: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ),
    )  # fmt: skip
    return (result.stdout + result.stderr).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per throughput figure")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--steady-seconds", type=float, default=20.0)
    parser.add_argument("--skip-sub", action="store_true", help="skip the other benchmarks")
    args = parser.parse_args()

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with throwaway_dir() as tmp_name:
        tmp = Path(tmp_name)
        with database(tmp) as db_url:
            engine = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
            say(f"# Benchmark results ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
            say()
            say(f"Machine: {machine_description()}. Database: {engine}.")
            say("Command: `python -m bench.run` (figures from one run, same machine, same load")
            say(f"generator: {args.clients} client processes, {args.seconds:.0f} s each).")
            say()
            say("## 1. Intake throughput (gunicorn, 2 sync workers, production settings)")
            say()
            with services(db_url, tmp, worker=True) as stack:
                intake = measure(
                    stack["web"] + "/api/v1/submissions/", method="POST",
                    make_body=_intake_body, seconds=args.seconds, clients=args.clients,
                )  # fmt: skip
                health = measure(
                    stack["web"] + "/healthz", seconds=args.seconds, clients=args.clients
                )
            floor_db = f"sqlite:///{tmp / 'floor.sqlite3'}" if engine == "SQLite" else db_url
            with services(
                floor_db, tmp, worker=False, wsgi_app="bench.floor_app:application"
            ) as floor_stack:
                floor = measure(
                    floor_stack["web"] + "/", method="POST", make_body=_intake_body,
                    seconds=args.seconds, clients=args.clients,
                )  # fmt: skip
            say("| endpoint | requests/s | p50 ms | p95 ms | statuses |")
            say("|---|---|---|---|---|")
            for name, result in (
                ("`POST /api/v1/submissions/`", intake),
                ("floor app (parse, insert, push)", floor),
                ("`GET /healthz`", health),
            ):
                say(
                    f"| {name} | {result['rate']:.0f} | {result['p50_ms']:.1f} | "
                    f"{result['p95_ms']:.1f} | {result['statuses']} |"
                )
            ratio = intake["rate"] / floor["rate"] if floor["rate"] else 0.0
            verdict = "meets" if ratio >= 0.5 else "MISSES"
            say()
            say(
                f"Intake / floor = **{ratio:.2f}** (target at least 0.5: {verdict} it); "
                f"intake / healthz = {intake['rate'] / health['rate']:.2f}."
            )
            say()
            say("## 2. Submission to classified, at a steady 50 submissions a second")
            say()
            with services(db_url, tmp, worker=True) as stack:
                sent = steady_rate(stack["web"], rate=50, seconds=args.steady_seconds)
                deadline = time.monotonic() + 120
                rows = latencies(stack["env"])
                while time.monotonic() < deadline and any(s == "pending" for s, _ in rows):
                    time.sleep(1)
                    rows = latencies(stack["env"])
            done = [seconds for status, seconds in rows if status == "classified"]
            if done:
                p50, p95 = percentile(done, 0.5) * 1000, percentile(done, 0.95) * 1000
                verdict = "meets" if p95 < 250 else "MISSES"
                say(
                    f"{sent} sent over {args.steady_seconds:.0f} s, {len(done)} classified; "
                    f"latency from stored to classified: p50 **{p50:.0f} ms**, "
                    f"p95 **{p95:.0f} ms** (target p95 under 250 ms: {verdict} it)."
                )
            else:
                say(f"{sent} sent; none classified within 120 s: see the worker log.")
            if not args.skip_sub:
                for title, module, extra in (
                    ("3. Qualification (bench/bench_qualification.py)",
                     "bench.bench_qualification", ()),
                    ("4. Follow-up lead list (bench/bench_admin.py)", "bench.bench_admin", ()),
                ):  # fmt: skip
                    say()
                    say(f"## {title}")
                    say()
                    say("```")
                    say(sub_benchmark(module, *extra))
                    say("```")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nWritten to {RESULTS}")


if __name__ == "__main__":
    main()
