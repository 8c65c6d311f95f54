"""Labelled profiles: the public sample (a copy of ``shared/scenarios/public.json``, kept in
the repository so that no test depends on ``../shared``), and our own from the seed.

Held-out profiles following the seed's logic judge the rules, so these are samples:
no profile is special-cased anywhere.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualification import scoring

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = Path(__file__).resolve().parent / "scenarios_public.json"
SEED = Path(__file__).resolve().parent / "scenarios_seed.json"
V1 = scoring.compile_ruleset(scoring.load_ruleset_file(ROOT / "qualification/rulesets/v1.json"))


def load(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def check(scenario: dict) -> None:
    assert V1.unknown_answers(scenario["answers"]) == []
    outcome = V1.score(scenario["answers"])
    verdict = scoring.judge(scenario["expected"], outcome)
    assert verdict, "a scenario must expect something"
    failed = {name for name, ok in verdict.items() if not ok}
    assert not failed, (
        f"{scenario['id']} ({scenario['persona']}): {sorted(failed)} not met; got "
        f"{outcome.recommendation}, alternative {outcome.alternative}, fit {outcome.fit_grade}, "
        f"review {outcome.needs_review}, contradictions {outcome.contradictions}"
    )


def test_the_public_sample_is_all_there():
    assert len(load(PUBLIC)) >= 14


@pytest.mark.parametrize("scenario", load(PUBLIC), ids=lambda s: s["id"])
def test_public_scenario_gets_what_it_expects(scenario):
    check(scenario)


@pytest.mark.parametrize("scenario", load(SEED), ids=lambda s: s["id"])
def test_seed_scenario_gets_what_it_expects(scenario):
    check(scenario)


def test_seed_scenarios_cover_every_expectation_and_outcome():
    scenarios = load(SEED)
    assert len(scenarios) >= 30
    expected = [s["expected"] for s in scenarios]
    assert {e.get("recommendation") for e in expected} >= set(scoring.SIDES)
    assert {e.get("alternative") for e in expected if "alternative" in e} >= {
        *scoring.ALTERNATIVES,
        None,
    }
    assert {e.get("fit") for e in expected} >= {"high", "medium", "low"}
    assert sum(1 for e in expected if e.get("needs_review")) >= 8
    assert len({s["id"] for s in scenarios}) == len(scenarios)
