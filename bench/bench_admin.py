"""How fast is the admin's lead list at 100,000 leads?

Fills a throwaway SQLite database (in a temporary folder, never ``db.sqlite3``) with
realistic leads, logs a Sales staff member in through Django's test client, and
prints the server time (median of several requests) and the number of queries of
the lead list for 100 and 500 leads a page, plus a few filtered views, the
dashboard and the staff API for comparison. Target: under 300 ms, and the same
number of queries whatever the page size.

The lead list is also measured with its rows built once per column
(``crm/admin/fast_rows.py``, what staff get) and with Django's own ``result_list``
(``items_for_result``, cell by cell), the two in alternating requests of the same run,
so that the figure justifying that module is always printed beside the one it replaces.

    /work/main/.venv/bin/python -m bench.bench_admin [--leads 100000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TARGET_MS = 300


def configure(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.conf import settings

    # The test client's host; not setup_test_environment(), whose template
    # instrumentation would slow every render down and skew the figures.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def fill(n: int, seed: int = 2026) -> None:
    """``n`` leads over two years: both languages, every stage, some overridden."""
    from django.core.management import call_command
    from django.utils import timezone
    from tqdm import tqdm

    from crm.models import Company, Contact, Lead
    from tests.factories import (
        CONSULTANT_ANSWERS,
        FRACTIONAL_CMO_ANSWERS,
        UserFactory,
        answers_display_for,
        classification_for,
    )

    call_command("migrate", verbosity=0)
    owners = [UserFactory(username=f"bench-owner-{i}", roles=["Sales"]) for i in range(5)]
    rng = random.Random(seed)
    now = timezone.now()
    displays = {
        "consultant": answers_display_for(CONSULTANT_ANSWERS),
        "fractional_cmo": answers_display_for(FRACTIONAL_CMO_ANSWERS),
    }
    stages = ["new"] * 30 + ["contacted"] * 20 + ["discovery"] * 12 + ["proposal"] * 8
    stages += ["won"] * 10 + ["lost"] * 15 + ["disqualified"] * 5
    last_names = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie"]
    batch = 5000
    with tqdm(total=n, desc="leads", unit="lead", file=sys.stderr) as progress:
        for start in range(0, n, batch):
            size = min(batch, n - start)
            companies = Company.objects.bulk_create(
                Company(name=f"{rng.choice(last_names)} et fils {start + i} inc.")
                for i in range(size)
            )
            contacts = Contact.objects.bulk_create(
                Contact(
                    email=f"prospect{start + i}@example.com",
                    first_name=f"Prénom{start + i}",
                    last_name=rng.choice(last_names),
                    language="fr" if rng.random() < 0.7 else "en",
                    company=company,
                )
                for i, company in enumerate(companies)
            )
            leads = []
            for contact in contacts:
                roll = rng.random()
                recommendation = (
                    "" if roll < 0.1 else ("consultant" if roll < 0.55 else "fractional_cmo")
                )
                stage = rng.choice(stages)
                overridden = recommendation and rng.random() < 0.03
                lead = Lead(
                    contact=contact,
                    company=contact.company,
                    language=contact.language,
                    stage=stage,
                    lost_reason="Budget" if stage == "lost" else "",
                    owner=rng.choice(owners) if rng.random() < 0.7 else None,
                    created_at=now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60)),
                    next_follow_up_at=(
                        now + timedelta(hours=rng.randrange(-24 * 30, 24 * 30))
                        if rng.random() < 0.4
                        else None
                    ),
                    recommendation=recommendation,
                    confidence=round(rng.uniform(0.35, 0.98), 2) if recommendation else None,
                    fit_score=rng.randrange(10, 100) if recommendation else None,
                    fit_grade=rng.choice("ABCD") if recommendation else "",
                    needs_review=bool(recommendation) and rng.random() < 0.2,
                    alternative=rng.choice(["", "", "", "", "interim_director", "advisor"])
                    if recommendation
                    else "",
                    ruleset_version=1 if recommendation else None,
                    override_recommendation=(
                        ("consultant" if recommendation == "fractional_cmo" else "fractional_cmo")
                        if overridden
                        else ""
                    ),
                    override_reason="Discussed by phone" if overridden else "",
                )
                if recommendation:
                    lead.answers = dict(
                        CONSULTANT_ANSWERS
                        if recommendation == "consultant"
                        else FRACTIONAL_CMO_ANSWERS
                    )
                    lead.answers_display = displays[recommendation]
                    lead.classification = classification_for(lead)
                leads.append(lead)
            Lead.objects.bulk_create(leads)
            progress.update(size)


def measure(client, url: str, repeat: int) -> tuple[float, float, int, int]:
    """Median and fastest server time (ms), query count, HTTP status of ``url``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: templates, translations, caches
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), min(timings), len(queries), response.status_code


def measure_rows(client, url: str, repeat: int) -> tuple[float, float]:
    """Median server time (ms) of ``url`` with the fast rows and with Django's, alternating."""
    fast, django = [], []
    client.get(url)
    with djangos_rows():
        client.get(url)  # warm-up of Django's own template
    for _ in range(repeat):
        for timings, variant in ((fast, contextlib.nullcontext()), (django, djangos_rows())):
            with variant:
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(fast), statistics.median(django)


def djangos_rows():
    """The lead list rendered by Django's own ``{% result_list %}``, not ``fast_rows``."""
    from unittest import mock

    from crm.admin import LeadAdmin

    return mock.patch.object(LeadAdmin, "change_list_template", "admin/change_list.html")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-admin-"))
    try:
        configure(folder / "bench.sqlite3")
        started = time.perf_counter()
        fill(args.leads)
        print(f"filled {args.leads:,} leads in {time.perf_counter() - started:.1f} s")

        from django.test import Client

        from tests.factories import UserFactory

        client = Client()
        client.force_login(UserFactory(username="bench-sales", roles=["Sales"]))
        views = [
            ("lead list, 100 a page", "/admin/crm/lead/?page_size=100"),
            ("lead list, 500 a page", "/admin/crm/lead/?page_size=500"),
            (
                "fractional CMO + needs review, 100",
                "/admin/crm/lead/?recommendation=fractional_cmo&needs_review__exact=1"
                "&page_size=100",
            ),
            ("overdue, 500", "/admin/crm/lead/?overdue=1&page_size=500"),
            ("search 'Tremblay', 100", "/admin/crm/lead/?q=Tremblay&page_size=100"),
            ("dashboard (admin index)", "/admin/"),
            ("API list, 100 a page", "/api/v1/leads/?page_size=100"),
            ("API list, 500 a page", "/api/v1/leads/?page_size=500"),
        ]
        print(f"\n{'view':<38} {'median ms':>10} {'min ms':>8} {'queries':>8}  status")
        results = {}
        for name, url in views:
            median, fastest, queries, status = measure(client, url, args.repeat)
            results[name] = (median, queries)
            print(f"{name:<38} {median:>10.1f} {fastest:>8.1f} {queries:>8}  {status}")

        print(
            "\nlead list rows: fast_rows against Django's own, requests alternating "
            "(so both see the same load)"
        )
        print(f"{'page size':<10} {'fast ms':>8} {'Django ms':>10} {'ratio':>6}")
        row_times = {}
        for size in (100, 500):
            url = f"/admin/crm/lead/?page_size={size}"
            fast_ms, django_ms = row_times[size] = measure_rows(client, url, args.repeat)
            print(f"{size:<10} {fast_ms:>8.1f} {django_ms:>10.1f} {django_ms / fast_ms:>6.1f}")

        small, large = results["lead list, 100 a page"], results["lead list, 500 a page"]
        constant = small[1] == large[1]
        fast = max(small[0], large[0]) < TARGET_MS
        print(
            f"\nlead list target: < {TARGET_MS} ms and constant queries -> "
            f"{'met' if fast and constant else 'NOT met'} "
            f"({small[0]:.0f} / {large[0]:.0f} ms, {small[1]} / {large[1]} queries)"
        )
        print(
            "Django's rows at 500 a page: "
            f"{'under' if row_times[500][1] < TARGET_MS else 'OVER'} the target "
            f"({row_times[500][1]:.0f} ms)"
        )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"(load average {load:.1f} on {os.cpu_count()} CPUs while measuring)")
        if args.keep:
            print(f"database kept in {folder}")
        return 0 if fast and constant else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
