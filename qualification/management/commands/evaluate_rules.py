"""Run a scenarios file through the scoring module: accuracy, confusion table, mismatches."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qualification import scoring
from qualification.models import Ruleset
from qualification.selectors import ruleset_compiled, ruleset_get_current

EXPECTATIONS = ("recommendation", "alternative", "fit", "needs_review")


class Command(BaseCommand):
    help = (
        "Score each profile of a scenarios file (the format of ../shared/scenarios/public.json) "
        "with a ruleset and compare with what it expects: try a weight change before "
        "publishing it. A scenario expecting a review does not have its recommendation "
        "judged. Fit levels map to grades: high = A or B, medium = B or C, low = C or D. "
        "Exits with status 1 unless every expectation is met (see --no-fail)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="scenarios JSON file")
        parser.add_argument(
            "--ruleset",
            help="a ruleset version in the database (drafts too) or a ruleset JSON file; "
            "default: the current published version",
        )
        parser.add_argument("--language", default="fr", choices=["fr", "en"])
        parser.add_argument(
            "--no-fail", action="store_true", help="exit 0 even when scenarios fail"
        )

    def handle(self, *args, file, ruleset=None, language="fr", no_fail=False, **options):
        compiled, label = self.load_ruleset(ruleset)
        try:
            scenarios = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read scenarios from {file}: {exc}") from exc
        if not isinstance(scenarios, list):
            raise CommandError(f"{file}: expected a JSON list of scenarios.")

        passed, judged = Counter(), Counter()
        confusion: Counter = Counter()
        mismatches, warnings = [], []
        for position, scenario in enumerate(scenarios, start=1):
            sid = scenario.get("id") or f"#{position}"
            answers, expected = scenario.get("answers") or {}, scenario.get("expected") or {}
            unknown = compiled.unknown_answers(answers)
            if unknown:
                warnings.append(f"{sid}: unknown answers {', '.join(unknown)}")
            outcome = compiled.score(answers, language)
            verdict = scoring.judge(expected, outcome)
            for name, ok in verdict.items():
                judged[name] += 1
                passed[name] += ok
            if "recommendation" in verdict:
                confusion[(expected["recommendation"], outcome.recommendation)] += 1
            judged["scenario"] += 1
            passed["scenario"] += all(verdict.values())
            if not all(verdict.values()):
                mismatches.append((sid, scenario.get("persona", ""), expected, outcome, verdict))

        out = self.stdout.write
        out(f"Ruleset {label} on {len(scenarios)} scenarios from {file}")
        out("")
        out(f"{'expectation':<16}{'passed':>8}{'judged':>8}{'accuracy':>10}")
        for name in (*EXPECTATIONS, "scenario"):
            if judged[name]:
                accuracy = 100.0 * passed[name] / judged[name]
                title = "whole scenarios" if name == "scenario" else name
                out(f"{title:<16}{passed[name]:>8}{judged[name]:>8}{accuracy:>9.1f}%")
        out("")
        out("Recommendation confusion (rows: expected, columns: computed)")
        out(f"{'':<16}" + "".join(f"{side:>16}" for side in scoring.SIDES))
        for expected_side in scoring.SIDES:
            row = "".join(f"{confusion[(expected_side, s)]:>16}" for s in scoring.SIDES)
            out(f"{expected_side:<16}{row}")
        out("")
        for warning in warnings:
            out(self.style.WARNING(f"Warning: {warning}"))
        if not mismatches:
            out(self.style.SUCCESS("Every scenario meets its expectations."))
            return
        out(self.style.ERROR(f"Mismatches ({len(mismatches)}):"))
        for sid, persona, expected, outcome, verdict in mismatches:
            failed = [name for name, ok in verdict.items() if not ok]
            got = {
                "recommendation": outcome.recommendation,
                "alternative": outcome.alternative,
                "fit": f"{outcome.fit_grade} ({outcome.fit_score})",
                "needs_review": outcome.needs_review,
            }
            details = "; ".join(
                f"{name}: expected {expected.get(name)!r}, got {got[name]!r}" for name in failed
            )
            out(f"  {sid} {persona}".rstrip())
            out(f"    {details}")
            out(
                f"    confidence {outcome.confidence}, evidence consultant "
                f"{outcome.consultant_evidence:g} / fractional CMO {outcome.cmo_evidence:g}"
                + (
                    f", contradictions: {', '.join(outcome.contradictions)}"
                    if outcome.contradictions
                    else ""
                )
            )
        if not no_fail:
            raise CommandError(
                f"{len(mismatches)} of {len(scenarios)} scenarios do not meet their expectations."
            )

    def load_ruleset(self, value: str | None) -> tuple[scoring.CompiledRuleset, str]:
        if value is not None and not value.isdigit():
            path = Path(value)
            try:
                data = scoring.load_ruleset_file(path)
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the ruleset file {value}: {exc}") from exc
            try:
                compiled = scoring.compile_ruleset(data)
            except scoring.RulesetError as exc:
                raise CommandError(f"{value} is not a usable ruleset: {exc}") from exc
            return compiled, f"from {path.name}"
        if value is None:
            ruleset = ruleset_get_current()
            if ruleset is None:
                raise CommandError("No published ruleset: pass --ruleset.")
        else:
            ruleset = Ruleset.objects.filter(version=int(value)).first()
            if ruleset is None:
                raise CommandError(f"No ruleset version {value}.")
        try:
            compiled = ruleset_compiled(ruleset)
        except scoring.RulesetError as exc:
            raise CommandError(f"Ruleset v{ruleset.version} is not usable: {exc}") from exc
        return compiled, f"v{ruleset.version} ({ruleset.status})"
