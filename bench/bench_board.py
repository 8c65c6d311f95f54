"""How fast are the pipeline board and the follow-up calendar at 10,000 open leads?

Fills a throwaway SQLite database (a temporary folder, never ``db.sqlite3``) with the
same realistic leads as ``bench_admin`` (70 % of them at an open stage) until about
``--open`` leads are open, logs a Sales staff member in through Django's test client,
and prints the server time (median of several requests) and query count of the board
(unfiltered, and with the list's filters), the calendar (a month, everyone's) and, as
the baseline measured in the same run, the lead list at 100 a page. Target: the board
under 300 ms, with the same number of queries whatever the filters.

    /work/main/.venv/bin/python -m bench.bench_board [--open 10000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_admin import TARGET_MS, configure, fill, measure

OPEN_SHARE = 0.7  # bench_admin.fill: 70 of 100 leads at an open stage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=10_000, help="open leads wanted")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-board-"))
    try:
        configure(folder / "bench.sqlite3")
        total = round(args.open / OPEN_SHARE)
        started = time.perf_counter()
        fill(total)
        from django.test import Client

        from crm.models import OPEN_STAGES, Lead
        from tests.factories import UserFactory

        open_leads = Lead.objects.filter(stage__in=OPEN_STAGES).count()
        print(
            f"filled {total:,} leads ({open_leads:,} open) in {time.perf_counter() - started:.1f} s"
        )
        client = Client()
        client.force_login(UserFactory(username="bench-sales", roles=["Sales"]))
        views = [
            ("baseline: lead list, 100 a page", "/admin/crm/lead/?page_size=100"),
            ("board", "/admin/crm/lead/board/"),
            (
                "board, fractional CMO + needs review",
                "/admin/crm/lead/board/?recommendation=fractional_cmo&needs_review__exact=1",
            ),
            (
                "board, fit A, web form",
                "/admin/crm/lead/board/?fit_grade__exact=A&source__exact=web_form",
            ),
            ("calendar, month, everyone", "/admin/crm/lead/calendar/?view=month&owner=all"),
            ("calendar, week, everyone", "/admin/crm/lead/calendar/?owner=all"),
        ]
        print(f"\n{'view':<40} {'median ms':>10} {'min ms':>8} {'queries':>8}  status")
        results = {}
        for name, url in views:
            median, fastest, queries, status = measure(client, url, args.repeat)
            results[name] = (median, queries, status)
            print(f"{name:<40} {median:>10.1f} {fastest:>8.1f} {queries:>8}  {status}")

        boards = [value for name, value in results.items() if name.startswith("board")]
        baseline = results["baseline: lead list, 100 a page"][0]
        slowest = max(median for median, _q, _s in boards)
        constant = len({queries for _m, queries, _s in boards}) == 1
        ok = all(status == 200 for _m, _q, status in results.values())
        met = slowest < TARGET_MS and constant and ok
        print(
            f"\nboard target: < {TARGET_MS} ms and constant queries at {open_leads:,} open leads "
            f"-> {'met' if met else 'NOT met'} (slowest {slowest:.0f} ms, "
            f"{slowest / baseline:.2f}× the lead list's {baseline:.0f} ms)"
        )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"(load average {load:.1f} on {os.cpu_count()} CPUs while measuring)")
        if args.keep:
            print(f"database kept in {folder}")
        return 0 if met else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
