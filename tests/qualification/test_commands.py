"""The reclassify and evaluate_rules management commands."""

from __future__ import annotations

import copy
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from qualification import services
from qualification.models import Classification, Ruleset
from tests.factories import (
    CONSULTANT_ANSWERS,
    TEXTBOOK_CMO_ANSWERS,
    AnsweredSubmissionFactory,
)

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parent / "scenarios_seed.json"
V1_FILE = Path(__file__).resolve().parents[2] / "qualification" / "rulesets" / "v1.json"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def publish_v2_where_executing_means_cmo() -> Ruleset:
    draft = services.ruleset_create_draft(source=Ruleset.objects.get(version=1))
    weights = copy.deepcopy(draft.weights)
    weights["signals"]["involvement"]["execute_mandate"].update(effect="fractional_cmo", weight=40)
    services.ruleset_update_draft(ruleset=draft, weights=weights)
    return services.ruleset_publish(ruleset=draft)


# --- reclassify --------------------------------------------------------------------


def test_reclassify_rescores_leads_and_prints_what_changed():
    consultants = AnsweredSubmissionFactory.create_batch(3, answers=CONSULTANT_ANSWERS)
    cmo = AnsweredSubmissionFactory(answers=TEXTBOOK_CMO_ANSWERS)
    for submission in [*consultants, cmo]:
        services.submission_classify(submission_id=submission.pk)
    publish_v2_where_executing_means_cmo()

    output = run("reclassify", "--batch-size", "2", "--no-progress")

    assert "Re-scored 4 of 4 leads with ruleset v2" in output
    assert "Classifications: 4 added, 0 already there" in output
    assert "consultant      -> fractional_cmo         3" in output
    assert "fractional_cmo  -> fractional_cmo         1" in output
    assert "Recommendation changed on 3 lead(s)." in output
    for submission in consultants:
        submission.lead.refresh_from_db()
        assert submission.lead.recommendation == "fractional_cmo"


def test_reclassify_with_an_older_version_goes_back_to_its_results():
    submission = AnsweredSubmissionFactory(answers=CONSULTANT_ANSWERS)
    publish_v2_where_executing_means_cmo()
    services.submission_classify(submission_id=submission.pk)

    output = run("reclassify", "--ruleset", "1", "--no-progress")

    assert "fractional_cmo  -> consultant             1" in output
    submission.lead.refresh_from_db()
    assert (submission.lead.recommendation, submission.lead.ruleset_version) == ("consultant", 1)
    assert Classification.objects.filter(submission=submission).count() == 2


def test_reclassify_twice_changes_nothing_the_second_time():
    AnsweredSubmissionFactory.create_batch(2, answers=CONSULTANT_ANSWERS)
    run("reclassify", "--no-progress")
    output = run("reclassify", "--no-progress")
    assert "Classifications: 0 added, 2 already there" in output
    assert "Needs review: 0 turned on, 0 turned off, 2 unchanged." in output
    assert "Fit grade changes: none." in output
    assert "Recommendation changed on 0 lead(s)." in output


def test_reclassify_since_a_date_counts_only_newer_leads():
    AnsweredSubmissionFactory(answers=CONSULTANT_ANSWERS)
    output = run("reclassify", "--since", "2999-01-01", "--no-progress")
    assert "Re-scored 0 of 0 leads" in output


def test_reclassify_refuses_an_unknown_or_draft_version():
    services.ruleset_create_draft(source=Ruleset.objects.get(version=1))
    with pytest.raises(CommandError, match="version 2"):
        run("reclassify", "--ruleset", "2")
    with pytest.raises(CommandError, match="--since"):
        run("reclassify", "--since", "yesterday")


# --- evaluate_rules --------------------------------------------------------------------


def test_evaluate_rules_prints_accuracy_and_the_confusion_table():
    output = run("evaluate_rules", str(SEED))
    assert "Ruleset v1 (published) on 42 scenarios" in output
    assert "recommendation" in output and "100.0%" in output
    assert "whole scenarios 42 42 100.0%" in " ".join(output.split())
    assert "Recommendation confusion (rows: expected, columns: computed)" in output
    assert "Every scenario meets its expectations." in output


def test_evaluate_rules_lists_mismatches_and_fails(tmp_path):
    scenarios = json.loads(SEED.read_text())
    scenarios[0]["expected"] = {"recommendation": "fractional_cmo", "fit": "low"}
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(scenarios))

    with pytest.raises(CommandError, match="1 of 42 scenarios do not meet"):
        run("evaluate_rules", str(path))

    output = run("evaluate_rules", str(path), "--no-fail")
    assert "Mismatches (1):" in output
    assert "seed-01" in output
    assert "recommendation: expected 'fractional_cmo', got 'consultant'" in output
    assert "fit: expected 'low', got 'B (76)'" in output
    assert "whole scenarios 41 42 97.6%" in " ".join(output.split())


def test_evaluate_rules_tries_a_draft_or_a_file_before_publishing(tmp_path):
    draft = services.ruleset_create_draft(source=Ruleset.objects.get(version=1))
    weights = copy.deepcopy(draft.weights)
    weights["signals"]["involvement"]["execute_mandate"].update(effect="fractional_cmo", weight=40)
    services.ruleset_update_draft(ruleset=draft, weights=weights)

    output = run("evaluate_rules", str(SEED), "--ruleset", str(draft.version), "--no-fail")
    assert f"Ruleset v{draft.version} (draft)" in output
    assert "Mismatches (" in output

    ruleset_file = tmp_path / "candidate.json"
    ruleset_file.write_text(json.dumps(weights))
    output = run("evaluate_rules", str(SEED), "--ruleset", str(ruleset_file), "--no-fail")
    assert "Ruleset from candidate.json" in output
    assert "Mismatches (" in output

    output = run("evaluate_rules", str(SEED), "--ruleset", str(V1_FILE))
    assert "Every scenario meets its expectations." in output


def test_evaluate_rules_warns_about_unknown_answers(tmp_path):
    path = tmp_path / "typo.json"
    scenario = {
        "id": "t1",
        "persona": "typo",
        "answers": {**CONSULTANT_ANSWERS, "horizon": "qarter"},
        "expected": {"recommendation": "consultant"},
    }
    path.write_text(json.dumps([scenario]))
    output = run("evaluate_rules", str(path))
    assert "Warning: t1: unknown answers horizon=qarter" in output


def test_evaluate_rules_refuses_an_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read scenarios"):
        run("evaluate_rules", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken-ruleset.json"
    broken.write_text(json.dumps({"signals": {}}))
    with pytest.raises(CommandError, match="not a usable ruleset"):
        run("evaluate_rules", str(SEED), "--ruleset", str(broken))
