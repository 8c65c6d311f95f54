"""Where a public post's time goes: the request path profiled in process.

    python -m bench.profile_intake [--posts 500] [--top 25]

Production settings on a throwaway database (SQLite, or the PostgreSQL of DATABASE_URL)
and a Redis of its own, as bench/stack.py sets them up; posts go through Django's test
client (no HTTP server). Prints the time a post takes, the SQL it runs, the time of
each part of the path measured on its own, and cProfile's heaviest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from pathlib import Path

from bench.stack import database, stack_env, throwaway_dir
from config.devservices import RedisProcess


def timed(function, count: int) -> float:
    """Milliseconds per call of ``function``, over ``count`` calls after one warm-up."""
    function()
    started = time.perf_counter()
    for _ in range(count):
        function()
    return (time.perf_counter() - started) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    with throwaway_dir() as tmp_name:
        tmp = Path(tmp_name)
        redis_server = RedisProcess(data_dir=str(tmp)).start()
        try:
            with database(tmp) as db_url:
                os.environ.update(stack_env(db_url, redis_server.url))
                os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
                profile(args.posts, args.top)
        finally:
            redis_server.stop()


def profile(posts: int, top: int) -> None:
    import django

    django.setup()
    from celery import current_app
    from django.db import connection, transaction
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext

    from bench.run import make_prospects, submission
    from qualification import publish, selectors, services
    from qualification.fast_validation import submission_validate
    from qualification.intake import answers_display, clean_answers
    from qualification.serializers import SubmissionInSerializer
    from qualification.throttles import SubmissionRateThrottle

    make_prospects(posts + 10)
    client = Client()
    counter = iter(range(10**9))

    def post() -> None:
        body = submission("profile", 0, next(counter))
        response = client.post(
            "/api/v1/submissions/", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 202, response.content

    post()
    with CaptureQueriesContext(connection) as queries:
        post()
    print(f"A post runs {len(queries.captured_queries)} SQL statements:")
    for query in queries.captured_queries:
        print(f"  {query['sql'][:110]}")
    print()
    print(f"Whole post (test client, no HTTP): {timed(post, posts):.2f} ms")
    print(
        f"GET /healthz, for comparison:      {timed(lambda: client.get('/healthz'), posts):.2f} ms"
    )

    questionnaire = selectors.questionnaire_current()
    body = submission("parts", 0, 0)
    request = RequestFactory().post("/api/v1/submissions/", REMOTE_ADDR="192.0.2.9")

    def validate() -> dict:
        data, errors = submission_validate(body, questionnaire=questionnaire)
        assert data is not None, errors
        return data

    data = validate()
    parts_counter = iter(range(10**9))

    def store() -> None:
        # The transaction alone: the send that follows a commit is measured apart.
        with transaction.atomic():
            services.submission_receive(
                questionnaire=questionnaire,
                language="fr",
                contact={**data["contact"], "email": f"part{next(parts_counter)}@bench.example"},
                company=data["company"],
                answers=data["answers"],
                consent=data["consent"],
                source=data["source"],
                channel="api",
                payload=body,
            )
            connection.run_on_commit = []

    parts = {
        "rate limit (one Redis round trip)": lambda: SubmissionRateThrottle().allow_request(
            request, None
        ),
        "current questionnaire (cached)": selectors.questionnaire_current,
        "validation (serializers)": validate,
        "validation (a new serializer each post)": lambda: SubmissionInSerializer(
            data=body, context={"questionnaire": questionnaire}
        ).is_valid(raise_exception=True),
        "answers cleaned and described": lambda: answers_display(
            clean_answers(data["answers"], questionnaire), questionnaire
        ),
        "the insert (one row, one transaction)": store,
        "publish (qualification.publish)": lambda: publish.send_task(
            current_app, "bench.noop", args=[0]
        ),
        "publish (Celery's send_task)": lambda: current_app.send_task(
            "bench.noop", args=[0], retry=False
        ),
    }
    print()
    print("Each part on its own:")
    for name, function in parts.items():
        print(f"  {name:<40} {timed(function, posts):6.2f} ms")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(posts):
        post()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    print("Own time by package (profiled, so slower than above; compare the shares):")
    for package, seconds in by_package(stats):
        print(f"  {package:<28} {seconds / posts * 1000:6.2f} ms a post")
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(top)
    print()
    print(out.getvalue())


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own (not cumulative) time summed by the top package of each function's file."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif "/lib/python3" in filename:
            package = "python stdlib"
        elif filename.startswith(str(Path(__file__).resolve().parent.parent)):
            package = "this project"
        else:
            package = "builtins (C)"
        totals[package] = totals.get(package, 0.0) + tottime
    return sorted(totals.items(), key=lambda item: -item[1])


if __name__ == "__main__":
    main()
