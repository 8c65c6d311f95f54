"""The scoring module on its own: answers in, outcome out, no database."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from crm.results import QualificationResult
from qualification import scoring
from qualification.results import qualification_result
from tests.factories import CONSULTANT_ANSWERS, TEXTBOOK_CMO_ANSWERS

ROOT = Path(__file__).resolve().parents[2]
V1_PATH = ROOT / "qualification" / "rulesets" / "v1.json"
QUESTIONNAIRE = json.loads((ROOT / "qualification" / "questionnaires" / "v1.json").read_text())
CHOICES = {
    q["key"]: [c["key"] for c in q["choices"]] for q in QUESTIONNAIRE["questions"] if q["choices"]
}
V1 = scoring.load_ruleset_file(V1_PATH)
SIGNALS = [
    (question, choice, signal)
    for question, table in V1["signals"].items()
    for choice, signal in table.items()
]


@pytest.fixture(scope="module")
def rules() -> scoring.CompiledRuleset:
    return scoring.compile_ruleset(V1, version=1)


def random_profiles(count: int, seed: int = 7):
    rng = random.Random(seed)
    for _ in range(count):
        answers = {key: rng.choice(choices) for key, choices in CHOICES.items() if key != "needs"}
        answers["needs"] = rng.sample(CHOICES["needs"], rng.randint(1, 3))
        yield answers


def with_answers(base: dict, **changes) -> dict:
    return {**copy.deepcopy(base), **changes}


# --- The ruleset itself ------------------------------------------------------------


def test_version_1_is_a_valid_ruleset_for_questionnaire_1():
    questions = {key: frozenset(choices) for key, choices in CHOICES.items()}
    assert scoring.validate_ruleset(V1, questions=questions) == []


def test_every_answer_of_the_questionnaire_that_tells_a_side_has_a_signal():
    for question in V1["signals"]:
        assert set(V1["signals"][question]) == set(CHOICES[question]), question


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda d: d["signals"]["horizon"]["weeks"].update(reason_en="weeks"), "not a key"),
        (lambda d: d["signals"]["horizon"]["weeks"].update(reason_fr=""), "reason_fr is missing"),
        (lambda d: d["signals"]["horizon"]["weeks"].update(effect="advisor"), "effect must be"),
        (lambda d: d["signals"]["horizon"]["weeks"].update(weight=-1), "weight must be"),
        (lambda d: d["fit"]["grades"].update(A=10), "A >= B >= C >= D"),
        (lambda d: d["review"].update(confidence_below=2), "confidence_below"),
        (lambda d: d["alternatives"][0].update(alternative="intern"), "'alternative' must be"),
        (lambda d: d["explanation"].update(min_factors=2), "at least 3"),
    ],
)
def test_a_broken_ruleset_is_refused_with_a_clear_error(breakage, message):
    data = copy.deepcopy(V1)
    breakage(data)
    errors = scoring.validate_ruleset(data)
    assert any(message in error for error in errors), errors
    with pytest.raises(scoring.RulesetError):
        scoring.CompiledRuleset(data)


def test_a_ruleset_naming_an_answer_the_questionnaire_lacks_is_refused():
    data = copy.deepcopy(V1)
    data["contradictions"][0]["when"]["horizon"] = ["fortnight"]
    questions = {key: frozenset(choices) for key, choices in CHOICES.items()}
    errors = scoring.validate_ruleset(data, questions=questions)
    assert errors == ["contradictions[0]: unknown answer 'fortnight' for 'horizon'"]


def test_compiling_with_the_same_key_reuses_the_compiled_ruleset():
    first = scoring.compile_ruleset(V1, version=1, cache_key=("test", 1))
    assert scoring.compile_ruleset(V1, version=1, cache_key=("test", 1)) is first
    assert scoring.compile_ruleset(V1, version=1, cache_key=("test", 2)) is not first


# --- Each signal in isolation --------------------------------------------------------


@pytest.mark.parametrize(
    "question, choice, signal",
    [s for s in SIGNALS if s[2]["effect"]],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_each_answer_alone_points_to_its_side_with_its_reason(rules, question, choice, signal):
    answer = [choice] if question == "needs" else choice
    outcome = rules.score({question: answer})
    assert outcome.recommendation == signal["effect"]
    evidence = (
        outcome.consultant_evidence
        if signal["effect"] == scoring.CONSULTANT
        else outcome.cmo_evidence
    )
    assert evidence == signal["weight"]
    first = outcome.explanation[0]
    assert (first["question"], first["answer"], first["effect"]) == (
        question,
        choice,
        signal["effect"],
    )
    assert first["reason"] == signal["reason_fr"]


def test_full_time_alone_tells_neither_side(rules):
    outcome = rules.score({"time_commitment": "full_time"})
    assert (outcome.consultant_evidence, outcome.cmo_evidence) == (0, 0)
    assert outcome.confidence == 0
    assert outcome.needs_review


def test_each_chosen_need_adds_its_own_weight(rules):
    one = rules.score({"needs": ["align_strategy"]})
    three = rules.score({"needs": ["align_strategy", "structure_team", "sustainable_growth"]})
    assert three.cmo_evidence == 3 * one.cmo_evidence


def test_a_need_chosen_twice_counts_once(rules):
    assert (
        rules.score({"needs": ["launch_campaign", "launch_campaign"]}).consultant_evidence
        == rules.score({"needs": ["launch_campaign"]}).consultant_evidence
    )


def test_structural_answers_outweigh_needs_and_context(rules):
    """The seed: role, horizon and the leadership seat weigh more than what is asked for."""
    weights = {(q, c): s["weight"] for q, c, s in SIGNALS}
    for structural in [("involvement", "execute_mandate"), ("involvement", "join_leadership")]:
        assert weights[structural] > weights[("needs", "align_strategy")]
    assert weights[("horizon", "ongoing")] > weights[("strategy_state", "none_or_fragile")]
    assert weights[("marketing_leader", "none")] > weights[("marketing_team_size", "over_ten")]


def test_unknown_questions_and_answers_are_ignored(rules):
    clean = rules.score(CONSULTANT_ANSWERS)
    noisy = rules.score(with_answers(CONSULTANT_ANSWERS, colour="blue", horizon="someday"))
    assert noisy.recommendation == clean.recommendation
    assert noisy.consultant_evidence == clean.consultant_evidence - 2  # the quarter is gone
    assert rules.unknown_answers({"horizon": "someday", "colour": "blue"}) == ["horizon=someday"]


# --- Textbook profiles and mixed ones -------------------------------------------------


def test_a_precise_mandate_executed_then_gone_is_a_consultant(rules):
    outcome = rules.score(CONSULTANT_ANSWERS)
    assert outcome.recommendation == "consultant"
    assert outcome.confidence >= 0.8
    assert not outcome.needs_review
    assert outcome.alternative is None


def test_a_part_time_leader_on_the_leadership_team_is_a_fractional_cmo(rules):
    outcome = rules.score(TEXTBOOK_CMO_ANSWERS)
    assert outcome.recommendation == "fractional_cmo"
    assert outcome.confidence >= 0.8
    assert not outcome.needs_review


def test_tactical_needs_on_a_cmo_structure_lean_to_the_cmo(rules):
    """The seed's varnish: a campaign asked for, but no leader, no strategy, no end."""
    answers = with_answers(TEXTBOOK_CMO_ANSWERS, needs=["launch_campaign", "optimize_channel"])
    assert rules.score(answers).recommendation == "fractional_cmo"


def test_a_strategic_need_as_a_one_off_mandate_leans_to_the_consultant(rules):
    answers = with_answers(CONSULTANT_ANSWERS, needs=["align_strategy"])
    assert rules.score(answers).recommendation == "consultant"


def test_on_a_tie_the_heaviest_answer_decides(rules):
    mandate = rules.score(
        {
            "involvement": "execute_mandate",
            "horizon": "ongoing",
            "strategy_state": "informal",
            "marketing_team_size": "one_or_two",
        }
    )
    assert mandate.consultant_evidence == mandate.cmo_evidence
    assert mandate.recommendation == "consultant"
    assert mandate.needs_review
    leader = rules.score(
        {
            "involvement": "lead_marketing",
            "horizon": "quarter",
            "represent_company": "no",
            "supervise_team": "no",
        }
    )
    assert leader.consultant_evidence == leader.cmo_evidence
    assert leader.recommendation == "fractional_cmo"


# --- Contradictions -----------------------------------------------------------------


def profile_matching(clause: dict, base: dict) -> dict:
    answers = copy.deepcopy(base)
    for question, allowed in clause.items():
        if question == "needs_lean":
            answers["needs"] = (
                ["align_strategy", "sustainable_growth"]
                if allowed[0] == "fractional_cmo"
                else ["launch_campaign"]
            )
        else:
            answers[question] = allowed[0]
    return answers


@pytest.mark.parametrize("rule", V1["contradictions"], ids=lambda rule: rule["key"])
@pytest.mark.parametrize(
    "base", [CONSULTANT_ANSWERS, TEXTBOOK_CMO_ANSWERS], ids=["consultant", "cmo"]
)
def test_each_contradiction_asks_for_a_person(rules, rule, base):
    clause = rule["when"][0] if isinstance(rule["when"], list) else rule["when"]
    outcome = rules.score(profile_matching(clause, base))
    assert outcome.needs_review
    assert rule["key"] in outcome.contradictions
    review = [item for item in outcome.explanation if item.get("rule") == rule["key"]]
    assert len(review) == 1
    assert review[0]["effect"] == "review"
    assert review[0]["reason"] == rule["reason_fr"]


def test_joining_the_leadership_team_for_a_few_weeks_needs_review(rules):
    outcome = rules.score(with_answers(TEXTBOOK_CMO_ANSWERS, horizon="weeks"))
    assert outcome.needs_review
    assert "leadership_for_weeks" in outcome.contradictions


def test_leading_marketing_for_a_few_days_in_total_needs_review(rules):
    answers = with_answers(
        TEXTBOOK_CMO_ANSWERS, involvement="lead_marketing", time_commitment="few_days_total"
    )
    assert "leadership_for_a_few_days" in rules.score(answers).contradictions


def test_supervising_the_team_while_only_executing_a_mandate_needs_review(rules):
    outcome = rules.score(with_answers(CONSULTANT_ANSWERS, supervise_team="yes"))
    assert outcome.needs_review
    assert outcome.contradictions == ("supervising_while_executing",)


def test_structural_needs_given_to_someone_who_only_executes_need_review(rules):
    # Structuring the team and aligning strategy is a fractional CMO's work; asking for
    # it "in and out" on a short mandate is the contradiction a person should look at.
    answers = with_answers(
        CONSULTANT_ANSWERS, needs=["structure_team", "align_strategy", "sustainable_growth"]
    )
    outcome = rules.score(answers)
    assert outcome.needs_review
    assert "strategic_needs_execution_only" in outcome.contradictions


def test_a_contradiction_lowers_confidence(rules):
    clean = rules.score(CONSULTANT_ANSWERS)
    contradictory = rules.score(with_answers(CONSULTANT_ANSWERS, supervise_team="yes"))
    assert contradictory.confidence < clean.confidence * 0.7


def test_evenly_split_answers_need_review_for_low_confidence(rules):
    answers = with_answers(
        CONSULTANT_ANSWERS,
        needs=["optimize_channel", "structure_team"],
        horizon="half_year",
        represent_company="yes",
        time_commitment="one_or_two_days_week",
        marketing_leader="none",
        strategy_state="informal",
    )
    outcome = rules.score(answers)
    assert outcome.contradictions == ()
    assert outcome.confidence < V1["review"]["confidence_below"]
    assert outcome.needs_review


def test_textbook_profiles_do_not_need_review(rules):
    assert not rules.score(CONSULTANT_ANSWERS).needs_review
    assert not rules.score(TEXTBOOK_CMO_ANSWERS).needs_review


# --- Alternatives -----------------------------------------------------------------


def test_full_time_with_no_end_is_a_hire_and_stays_closest_to_a_cmo(rules):
    outcome = rules.score(with_answers(TEXTBOOK_CMO_ANSWERS, time_commitment="full_time"))
    assert outcome.alternative == "full_time_hire"
    assert outcome.recommendation == "fractional_cmo"
    item = outcome.explanation[-2]
    assert (item["effect"], item["answer"]) == ("full_time_hire", "full_time+ongoing")


def test_an_empty_seat_for_a_known_period_three_days_a_week_is_an_interim_director(rules):
    answers = with_answers(
        TEXTBOOK_CMO_ANSWERS,
        involvement="lead_marketing",
        marketing_leader="departed_or_leave",
        horizon="half_year",
        time_commitment="three_plus_days_week",
    )
    outcome = rules.score(answers)
    assert outcome.alternative == "interim_director"
    assert outcome.recommendation == "fractional_cmo"


def test_an_empty_seat_one_or_two_days_a_week_is_no_interim(rules):
    answers = with_answers(
        TEXTBOOK_CMO_ANSWERS, marketing_leader="departed_or_leave", horizon="half_year"
    )
    assert rules.score(answers).alternative is None


def test_an_empty_seat_with_no_end_three_days_a_week_is_no_interim(rules):
    answers = with_answers(
        TEXTBOOK_CMO_ANSWERS,
        marketing_leader="departed_or_leave",
        time_commitment="three_plus_days_week",
    )
    assert rules.score(answers).alternative is None


def test_occasional_advice_without_execution_is_an_advisor_beside_a_consultant(rules):
    answers = with_answers(CONSULTANT_ANSWERS, involvement="occasional_advice", horizon="weeks")
    outcome = rules.score(answers)
    assert outcome.alternative == "advisor"
    assert outcome.recommendation == "consultant"


def test_full_time_for_a_known_mandate_is_no_hire(rules):
    answers = with_answers(CONSULTANT_ANSWERS, time_commitment="full_time")
    outcome = rules.score(answers)
    assert outcome.alternative is None
    assert outcome.recommendation == "consultant"


def test_the_recommendation_is_always_consultant_or_fractional_cmo(rules):
    for answers in random_profiles(500):
        outcome = rules.score(answers)
        assert outcome.recommendation in scoring.SIDES
        assert outcome.alternative in (None, *scoring.ALTERNATIVES)


# --- Fit -----------------------------------------------------------------------


def test_a_big_budget_owner_starting_now_in_a_large_company_is_grade_a(rules):
    outcome = rules.score(TEXTBOOK_CMO_ANSWERS)
    assert outcome.fit_grade == "A"
    assert outcome.fit_score >= 80


def test_a_micro_business_exploring_on_a_tiny_budget_is_grade_d(rules):
    answers = with_answers(
        CONSULTANT_ANSWERS,
        monthly_budget="under_2k",
        decision_role="other",
        start="exploring",
        employees="1_9",
        annual_revenue="under_500k",
    )
    outcome = rules.score(answers)
    assert outcome.fit_grade == "D"
    assert outcome.fit_score < 40


def test_a_mid_range_lead_is_grade_b_or_c(rules):
    answers = with_answers(
        CONSULTANT_ANSWERS, monthly_budget="2k_5k", decision_role="manager", start="later"
    )
    assert rules.score(answers).fit_grade in scoring.FIT_LEVEL_GRADES["medium"]


def test_a_fractional_cmo_needs_a_budget_that_can_pay_one(rules):
    rich = rules.score(TEXTBOOK_CMO_ANSWERS)
    poor = rules.score(with_answers(TEXTBOOK_CMO_ANSWERS, monthly_budget="under_2k"))
    budget_points = V1["fit"]["components"][0]["points"]
    lost = budget_points["over_10k"] - budget_points["under_2k"]
    assert rich.fit_score - poor.fit_score > lost  # the need shrinks too
    fit_item = poor.explanation[-1]
    assert fit_item["effect"] == "fit"
    assert "CMO" in fit_item["reason"]


@pytest.mark.parametrize(
    "answers, better, worse",
    [
        ("decision_role", "owner_or_ceo", "manager"),
        ("start", "now", "later"),
        ("employees", "50_199", "1_9"),
        ("annual_revenue", "10m_50m", "under_500k"),
        ("monthly_budget", "over_10k", "2k_5k"),
    ],
)
def test_each_fit_factor_raises_the_score(rules, answers, better, worse):
    high = rules.score(with_answers(CONSULTANT_ANSWERS, **{answers: better})).fit_score
    low = rules.score(with_answers(CONSULTANT_ANSWERS, **{answers: worse})).fit_score
    assert high > low


def test_grades_follow_the_thresholds(rules):
    for answers in random_profiles(500, seed=3):
        outcome = rules.score(answers)
        assert 0 <= outcome.fit_score <= 100
        expected = next(g for g in scoring.GRADES if outcome.fit_score >= V1["fit"]["grades"][g])
        assert outcome.fit_grade == expected


# --- Confidence and explanation ------------------------------------------------------


def test_confidence_stays_between_0_and_1(rules):
    for answers in random_profiles(2000, seed=11):
        assert 0.0 <= rules.score(answers).confidence <= 1.0
    assert rules.score({}).confidence == 0.0


def test_a_one_sided_profile_is_fully_confident(rules):
    assert rules.score(TEXTBOOK_CMO_ANSWERS).confidence == 1.0


ALL_KEYS = {key for choices in CHOICES.values() for key in choices} | set(CHOICES)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_explanation_names_three_factors_with_sentences_in_both_languages(rules, language):
    profiles = [*random_profiles(1000, seed=5), CONSULTANT_ANSWERS, TEXTBOOK_CMO_ANSWERS]
    for answers in profiles:
        outcome = rules.score(answers, language)
        sides = [item for item in outcome.explanation if item["effect"] in scoring.SIDES]
        assert len(sides) >= 3
        assert sides[0]["effect"] == outcome.recommendation
        for item in outcome.explanation:
            for reason in (item["reason_fr"], item["reason_en"]):
                assert reason.strip() and " " in reason and reason not in ALL_KEYS
            assert item["reason"] == item[f"reason_{language}"]
            assert isinstance(item["weight"], int | float)


def test_the_explanation_puts_the_heaviest_answers_first(rules):
    outcome = rules.score(CONSULTANT_ANSWERS)
    weights = [item["weight"] for item in outcome.explanation if item["effect"] == "consultant"]
    assert weights == sorted(weights, reverse=True)
    assert outcome.explanation[0]["question"] == "involvement"


def test_the_result_as_a_dict_is_the_staff_api_classification(rules):
    data = qualification_result(rules.score(TEXTBOOK_CMO_ANSWERS, "en")).as_dict()
    assert set(data) == {
        "recommendation",
        "confidence",
        "needs_review",
        "alternative",
        "fit_score",
        "fit_grade",
        "explanation",
        "ruleset_version",
        "reviewed_by",
    }
    assert data["ruleset_version"] == 1
    assert data["reviewed_by"] is None
    json.dumps(data)  # storable as is


def test_the_ready_made_json_says_the_same_as_the_dicts(rules):
    for language in ("fr", "en"):
        for answers in [*random_profiles(300, seed=13), TEXTBOOK_CMO_ANSWERS]:
            outcome = rules.score(answers, language)
            assert json.loads(outcome.explanation_json) == outcome.explanation
            result = qualification_result(outcome)
            assert json.loads(result.as_json()) == result.as_dict()
            assert QualificationResult.from_dict(result.as_dict()) == result


def test_the_outcome_does_not_share_explanation_items_between_leads(rules):
    first = rules.score(TEXTBOOK_CMO_ANSWERS)
    first.explanation[0]["reason"] = "changed"
    assert rules.score(TEXTBOOK_CMO_ANSWERS).explanation[0]["reason"] != "changed"


# --- Judging scenarios ---------------------------------------------------------------


def test_a_scenario_expecting_review_does_not_judge_the_recommendation(rules):
    outcome = rules.score(with_answers(TEXTBOOK_CMO_ANSWERS, horizon="weeks"))
    verdict = scoring.judge({"needs_review": True, "recommendation": "consultant"}, outcome)
    assert verdict == {"needs_review": True}


def test_fit_levels_map_to_grades(rules):
    outcome = rules.score(TEXTBOOK_CMO_ANSWERS)  # grade A
    assert scoring.judge({"fit": "high"}, outcome) == {"fit": True}
    assert scoring.judge({"fit": "medium"}, outcome) == {"fit": False}
    assert scoring.judge({"fit": "low"}, outcome) == {"fit": False}
