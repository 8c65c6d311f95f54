"""Qualification benchmarks: scoring in process, reclassify over stored leads, Celery.

    python -m bench.bench_qualification [--leads 100000] [--tasks 2000] [--concurrency N]
        [--sections scoring,reclassify,celery] [--database-url postgres://...]

Prints figures against the targets, never asserts. Everything runs on a throwaway
SQLite database in a temporary folder (or the EMPTY throwaway database of
``--database-url``, e.g. PostgreSQL's, left filled) and a Redis of its own on a free port, with a
Celery worker started for the run: the development database is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCORING_TARGET = 50_000
RECLASSIFY_TARGET = 5_000
MEMORY_TARGET_MB = 300
CELERY_RATIO_TARGET = 0.8


def log(message: str = "") -> None:
    print(message, flush=True)


def verdict(ok: bool) -> str:
    return "meets the target" if ok else "MISSES the target"


# --- Set-up: environment before Django loads ----------------------------------------


def prepare_environment(workdir: Path, redis_url: str, database_url: str = "") -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "0",  # no query log growing in memory
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": redis_url,
        "DJANGO_EMAIL_URL": "dummymail://",  # e-mails built and dropped, as bench.run does
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    return {**os.environ, **env}


def random_answers(rng: random.Random, choices: dict[str, list[str]]) -> dict:
    answers = {key: rng.choice(values) for key, values in choices.items() if key != "needs"}
    answers["needs"] = rng.sample(choices["needs"], rng.randint(1, 3))
    return answers


def questionnaire_choices() -> dict[str, list[str]]:
    data = json.loads((ROOT / "qualification/questionnaires/v1.json").read_text())
    return {q["key"]: [c["key"] for c in q["choices"]] for q in data["questions"] if q["choices"]}


# --- 1. Scoring in process -----------------------------------------------------------


def bench_scoring(calls: int) -> tuple[float, float]:
    """Best of three runs: (leads per CPU-second of this process, leads per wall second)."""
    from qualification import scoring

    rules = scoring.compile_ruleset(
        scoring.load_ruleset_file(ROOT / "qualification/rulesets/v1.json"), version=1
    )
    rng = random.Random(1)
    choices = questionnaire_choices()
    profiles = [random_answers(rng, choices) for _ in range(10_000)]
    score = rules.score
    for answers in profiles[:1000]:  # warm up
        score(answers)
    best_cpu = best_wall = 0.0
    for _ in range(3):
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(calls):
            score(profiles[i % 10_000], "fr")
        best_cpu = max(best_cpu, calls / (time.process_time() - cpu))
        best_wall = max(best_wall, calls / (time.perf_counter() - wall))
    return best_cpu, best_wall


# --- Stored data ----------------------------------------------------------------------


def fill_leads(count: int, *, seed: int, status: str = "pending", prefix: str = "lead") -> list:
    """``count`` leads, each with one submission, inserted in bulk. Returns submission ids."""
    from django.db import transaction
    from django.utils import timezone

    from crm.models import Company, Contact, Lead
    from qualification.models import Questionnaire, Submission

    rng = random.Random(seed)
    choices = questionnaire_choices()
    questionnaire = Questionnaire.objects.get(version=1)
    now = timezone.now()
    ids = []
    chunk = 5_000
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        with transaction.atomic():
            companies = Company.objects.bulk_create(
                [Company(name=f"{prefix} company {start + i}", created_at=now) for i in range(size)]
            )
            contacts = Contact.objects.bulk_create(
                [
                    Contact(
                        email=f"{prefix}{start + i}@example.com",
                        first_name="Bench",
                        company=company,
                        language="fr" if i % 3 else "en",
                        created_at=now,
                    )
                    for i, company in enumerate(companies)
                ]
            )
            leads = Lead.objects.bulk_create(
                [
                    Lead(contact=c, company=c.company, language=c.language, created_at=now)
                    for c in contacts
                ]
            )
            submissions = Submission.objects.bulk_create(
                [
                    Submission(
                        questionnaire=questionnaire,
                        lead=lead,
                        channel=Submission.Channel.API,
                        language=lead.language,
                        answers=random_answers(rng, choices),
                        status=status,
                        created_at=now,
                    )
                    for lead in leads
                ]
            )
        ids.extend(s.pk for s in submissions)
    return ids


# --- 2. reclassify over stored leads --------------------------------------------------


def run_reclassify(env: dict[str, str], leads: int, *extra: str) -> tuple[float, float, float, str]:
    """Run the command in a child process.

    Returns (leads per wall second as the command reports it, leads per CPU-second of
    the child, its peak memory in MB, its output).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.run(
        [sys.executable, "manage.py", "reclassify", "--no-progress", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if process.returncode != 0:
        raise RuntimeError(f"reclassify failed:\n{process.stdout}\n{process.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ru_maxrss of children is the largest child so far; the reclassify children are
    # the largest this script starts, so it is theirs.
    peak_mb = after.ru_maxrss / 1024
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    match = re.search(r"\(([\d,]+) leads/s\)", process.stdout)
    rate = float(match.group(1).replace(",", "")) if match else 0.0
    return rate, leads / cpu, peak_mb, process.stdout


def publish_v2() -> None:
    import copy

    from qualification import services
    from qualification.models import Ruleset

    draft = services.ruleset_create_draft(source=Ruleset.objects.get(version=1))
    weights = copy.deepcopy(draft.weights)
    # A plausible tuning: the empty leadership seat weighs a little more.
    weights["signals"]["marketing_leader"]["none"]["weight"] = 4
    weights["signals"]["horizon"]["quarter"]["weight"] = 2.5
    services.ruleset_update_draft(ruleset=draft, weights=weights, notes="bench")
    services.ruleset_publish(ruleset=draft)


def bench_reclassify(env: dict[str, str], leads: int) -> None:
    started = time.perf_counter()
    fill_leads(leads, seed=2)
    log(f"2. reclassify over {leads:,} stored leads (child process, batches of 1,000)")
    log(f"   (filled in {time.perf_counter() - started:.1f} s with bulk inserts)")
    runs = []
    for label in ("first scoring with v1", "after publishing v2"):
        if runs:
            publish_v2()
        wall, cpu, peak, output = run_reclassify(env, leads)
        runs.append((wall, cpu, peak))
        log(
            f"   {label + ':':<24}{wall:>7,.0f} leads/s wall, {cpu:>7,.0f} per CPU-second "
            f"(start-up included), peak memory {peak:,.0f} MB"
        )
    worst_wall = min(r[0] for r in runs)
    worst_peak = max(r[2] for r in runs)
    log(
        f"   targets {RECLASSIFY_TARGET:,} leads/s and {MEMORY_TARGET_MB} MB: "
        f"speed {verdict(worst_wall >= RECLASSIFY_TARGET)} (wall), "
        f"memory {verdict(worst_peak < MEMORY_TARGET_MB)}"
    )
    log("   summary printed by the second run:")
    for line in output.strip().splitlines():
        log(f"     | {line}")
    log()


# --- 3. Celery: classify_submission against bench.noop ------------------------------


class Worker:
    def __init__(self, env: dict[str, str], workdir: Path, concurrency: int):
        self.log_path = workdir / "worker.log"
        self.command = [
            sys.executable, "-m", "celery", "-A", "bench.celery_app", "worker",
            "--loglevel", "WARNING",
            "--pool", "prefork", "--concurrency", str(concurrency), "--hostname", "bench@%h",
            "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        from config.celery_app import app

        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.log_path.read_text()}")
            if app.control.ping(timeout=0.5):
                return self
        raise RuntimeError("worker did not answer pings within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def drain_time(send, count: int, redis_url: str) -> float:
    """Queue ``count`` tasks while the worker does not consume, then time the drain."""
    import redis

    from config.celery_app import app

    client = redis.Redis.from_url(redis_url)
    # One worker: waiting for its single reply (limit=1) returns as soon as it answers.
    app.control.cancel_consumer("celery", reply=True, limit=1, timeout=5)
    for i in range(count):
        send(i)
    started = time.perf_counter()
    app.control.add_consumer("celery", reply=True, limit=1, timeout=5)
    while client.llen("celery") or client.hlen("unacked"):
        time.sleep(0.002)
    return time.perf_counter() - started


def receive_fresh(count: int, prefix: str) -> list[int]:
    """Store ``count`` new prospects' posts as the public intake does (one insert each,
    its task sent once it commits): realistic answers and details, never filed yet."""
    from bench.run import PROSPECTS, make_prospects, submission
    from qualification.models import Submission
    from qualification.selectors import questionnaire_current
    from qualification.services import submission_receive

    if not PROSPECTS:
        make_prospects()
    questionnaire = questionnaire_current()
    ids = []
    for i in range(count):
        body = submission(prefix, 0, i)
        stored, _created = submission_receive(
            questionnaire=questionnaire,
            language=body["language"],
            contact=body["contact"],
            company=body["company"],
            answers=body["answers"],
            consent=body["consent"],
            source=body["source"],
            channel=Submission.Channel.API,
            payload=body,
        )
        ids.append(stored.pk)
    return ids


def bench_celery(
    env, workdir, redis_url, tasks: int, concurrency: int
) -> tuple[float, float, float]:
    """Tasks a second: (bench.noop, classify_submission on posts as the intake stores
    them, classify_submission on submissions already filed under their leads)."""
    from bench.celery_app import noop
    from qualification.models import Classification, Submission
    from qualification.tasks import classify_submission

    filed_ids = fill_leads(tasks, seed=3, prefix=f"celery{concurrency}-")
    fresh_ids: list[int] = []
    worker = Worker(env, workdir, concurrency).start()
    try:
        drain_time(lambda i: noop.delay(), 200, redis_url)  # warm the pool up
        noop_seconds = drain_time(lambda i: noop.delay(), tasks, redis_url)
        fresh_seconds = drain_time(
            lambda i: fresh_ids.extend(receive_fresh(1, f"fresh{concurrency}-{i}")),
            tasks,
            redis_url,
        )
        filed_seconds = drain_time(
            lambda i: classify_submission.delay(filed_ids[i]), tasks, redis_url
        )
    finally:
        worker.stop()
    for label, ids in (("posts", fresh_ids), ("filed", filed_ids)):
        done = Submission.objects.filter(pk__in=ids, status="classified").count()
        once = Classification.objects.filter(submission_id__in=ids).count()
        if done != tasks or once != tasks:
            log(
                f"   warning ({label}): {done} of {tasks} classified, {once} classifications "
                f"(see {worker.log_path})"
            )
    return tasks / noop_seconds, tasks / fresh_seconds, tasks / filed_seconds


# --- Main ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scoring-calls", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--sections", default="scoring,reclassify,celery", help="which of them, comma-separated"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="an EMPTY throwaway database (left filled); default: SQLite in a temporary folder",
    )
    args = parser.parse_args()
    sections = set(args.sections.split(","))

    sys.path.insert(0, str(ROOT))
    from config.devservices import RedisProcess

    workdir = Path(tempfile.mkdtemp(prefix="bench-qualification-"))
    (workdir / "redis").mkdir()
    redis_server = RedisProcess(data_dir=str(workdir / "redis")).start()
    try:
        env = prepare_environment(workdir, redis_server.url, args.database_url)
        import django

        django.setup()
        import logging

        from django.core.management import call_command

        logging.getLogger("qualification").setLevel(logging.WARNING)

        log(
            f"Qualification benchmarks: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        from django.db import connection

        where = args.database_url.rsplit("@", 1)[-1] or workdir / "bench.sqlite3"
        log(f"Throwaway {connection.vendor} database {where}, Redis {redis_server.url}")
        log()

        if "scoring" in sections:
            cpu_rate, wall_rate = bench_scoring(args.scoring_calls)
            log("1. In-process scoring (one core, ruleset v1, random profiles)")
            log(
                f"   {cpu_rate:,.0f} leads per CPU-second, {wall_rate:,.0f} per wall second "
                f"(target {SCORING_TARGET:,}/s): {verdict(cpu_rate >= SCORING_TARGET)}"
            )
            log()

        call_command("migrate", verbosity=0)
        if "reclassify" in sections:
            bench_reclassify(env, args.leads)

        if "celery" in sections:
            from qualification.app_settings import app_settings

            for concurrency in sorted({1, args.concurrency}):
                log(
                    f"3. Celery on one worker (prefork, concurrency {concurrency}), "
                    f"{args.tasks:,} tasks each, queued first then drained; "
                    f"batches of up to {app_settings.CLASSIFY_BATCH_SIZE}"
                )
                noop_rate, fresh_rate, filed_rate = bench_celery(
                    env, workdir, redis_server.url, args.tasks, concurrency
                )
                log(f"   bench.noop:                                 {noop_rate:>6,.0f} tasks/s")
                for label, rate in (
                    ("posts as stored by the intake, filed + classified", fresh_rate),
                    ("submissions already filed, classified", filed_rate),
                ):
                    ratio = rate / noop_rate
                    log(
                        f"   classify_submission, {label}: {rate:,.0f} tasks/s, ratio "
                        f"{ratio:.2f} (target {CELERY_RATIO_TARGET}): "
                        f"{verdict(ratio >= CELERY_RATIO_TARGET)}"
                    )
        log()
        log(f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        redis_server.stop()
        if args.keep:
            log(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
