"""The answer rules shared by the web form and the API (qualification.intake)."""

import pytest
from django.utils import translation

from qualification.intake import (
    answers_display,
    clean_answers,
    honeypot_filled,
    submission_language,
    validate_answers,
)
from qualification.selectors import questionnaire_current
from tests.factories import VALID_ANSWERS, submission_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire():
    return questionnaire_current()


def errors_for(answers, questionnaire, language="en"):
    with translation.override(language):
        return validate_answers(answers, questionnaire)


def test_complete_answers_have_no_errors(questionnaire):
    assert errors_for(VALID_ANSWERS, questionnaire) == {}


def test_the_optional_context_may_be_left_out(questionnaire):
    answers = {k: v for k, v in VALID_ANSWERS.items() if k != "context"}
    assert errors_for(answers, questionnaire) == {}


def test_every_required_question_left_out_is_reported_on_its_own_key(questionnaire):
    errors = errors_for({}, questionnaire)
    assert set(errors) == {q.key for q in questionnaire.questions.all() if q.required}
    assert errors["horizon"] == ["Please answer this question."]
    assert "context" not in errors


@pytest.mark.parametrize(
    ("change", "key", "english", "french"),
    [
        (
            {"budget_total": "lots"},
            "budget_total",
            "This question is not part of the questionnaire.",
            "Cette question ne fait pas partie du questionnaire.",
        ),
        (
            {"horizon": "someday"},
            "horizon",
            "“someday” is not one of the choices.",
            "« someday » ne fait pas partie des choix offerts.",
        ),
        (
            {"horizon": "  "},
            "horizon",
            "Please answer this question.",
            "Veuillez répondre à cette question.",
        ),
        (
            {"needs": []},
            "needs",
            "Choose at least 1 answer.",
            "Choisissez au moins 1 réponse.",
        ),
        (
            {"needs": ["launch_campaign", "structure_team", "align_strategy", "implement_tool"]},
            "needs",
            "Choose at most 3 answers.",
            "Choisissez au plus 3 réponses.",
        ),
        (
            {"needs": ["structure_team", "structure_team"]},
            "needs",
            "Each answer can be chosen only once.",
            "Chaque réponse ne peut être choisie qu’une seule fois.",
        ),
        (
            {"needs": ["structure_team", "be_famous"]},
            "needs",
            "“be_famous” is not one of the choices.",
            "« be_famous » ne fait pas partie des choix offerts.",
        ),
        (
            {"needs": "structure_team"},
            "needs",
            "Expected a list of answers: choice keys, as text.",
            "Une liste de réponses est attendue : des clés de choix, en texte.",
        ),
        (
            {"horizon": ["ongoing"]},
            "horizon",
            "Expected one answer: a choice key, as text.",
            "Une seule réponse est attendue : la clé d’un choix, en texte.",
        ),
        (
            {"context": 42},
            "context",
            "Expected text.",
            "Du texte est attendu.",
        ),
        (
            {"context": "x" * 2001},
            "context",
            "Keep this answer to 2000 characters or fewer (it has 2001).",
            "Limitez cette réponse à 2000 caractères (elle en compte 2001).",
        ),
    ],
)
def test_each_malformed_answer_gets_its_message_in_the_active_language(
    questionnaire, change, key, english, french
):
    answers = {**VALID_ANSWERS, **change}
    assert errors_for(answers, questionnaire, "en") == {key: [english]}
    assert errors_for(answers, questionnaire, "fr") == {key: [french]}


def test_context_of_exactly_2000_characters_is_accepted(questionnaire):
    assert errors_for({**VALID_ANSWERS, "context": "x" * 2000}, questionnaire) == {}


def test_a_very_long_unknown_choice_is_quoted_shortened(questionnaire):
    errors = errors_for({**VALID_ANSWERS, "horizon": "z" * 500}, questionnaire)
    assert len(errors["horizon"][0]) < 80


def test_cleaned_answers_follow_the_questionnaire_order_and_drop_empty_optional_text(
    questionnaire,
):
    answers = {**VALID_ANSWERS, "needs": ["align_strategy", "structure_team"], "context": "  "}
    cleaned = clean_answers(answers, questionnaire)
    assert list(cleaned) == [q.key for q in questionnaire.questions.all() if q.key != "context"]
    # The order of the choices in the questionnaire, not the order they were ticked in.
    assert cleaned["needs"] == ["structure_team", "align_strategy"]


def test_answers_display_gives_both_languages_in_questionnaire_order(questionnaire):
    rows = answers_display(clean_answers(VALID_ANSWERS, questionnaire), questionnaire)
    assert [row["key"] for row in rows] == [q.key for q in questionnaire.questions.all()]
    needs = rows[0]
    assert needs["question"]["fr"] == "De quoi votre entreprise a-t-elle besoin en marketing ?"
    assert needs["question"]["en"] == "What does your business need from marketing?"
    assert needs["answer"] == {
        "fr": "Structurer l'équipe marketing; Aligner le marketing sur les objectifs d'affaires",
        "en": "Structure the marketing team; Align marketing with business goals",
    }
    context = rows[-1]
    assert context["answer"] == {"fr": VALID_ANSWERS["context"], "en": VALID_ANSWERS["context"]}


@pytest.mark.parametrize(
    ("payload", "filled"),
    [
        ({"fax": "+1 514 555 0000"}, True),
        ({"fax": ""}, False),
        ({"fax": "   "}, False),
        ({"fax": None}, False),
        ({}, False),
        (["fax"], False),
    ],
)
def test_honeypot_is_filled_only_by_a_visible_value(payload, filled):
    assert honeypot_filled(payload) is filled


@pytest.mark.parametrize(
    ("requested", "fallback", "language"),
    [
        ("en", "fr", "en"),
        ("EN-ca", None, "en"),
        ("de", "en", "en"),
        (None, "en-us", "en"),
        (None, None, "fr"),
        (42, "es", "fr"),
    ],
)
def test_submission_language_is_the_asked_one_else_the_fallback_else_french(
    requested, fallback, language
):
    assert submission_language(requested, fallback) == language


# --- the reused serializer (qualification.fast_validation.submission_validate) ----------


def test_the_reused_serializer_carries_nothing_from_one_validation_to_the_next(questionnaire):
    from qualification.fast_validation import submission_validate
    from qualification.serializers import SubmissionInSerializer

    bad = submission_payload(contact={"first_name": "", "email": "nope"})
    good = submission_payload()
    other_bad = submission_payload(answers={**VALID_ANSWERS, "horizon": "someday"})
    results = [submission_validate(p, questionnaire=questionnaire) for p in (bad, good, other_bad)]

    def fresh(payload):
        serializer = SubmissionInSerializer(data=payload, context={"questionnaire": questionnaire})
        if serializer.is_valid():
            return serializer.validated_data, {}
        return None, serializer.errors

    assert results == [fresh(bad), fresh(good), fresh(other_bad)]
    assert results[0][1].keys() == {"contact"}
    assert results[1][0]["contact"]["email"] == good["contact"]["email"]
    assert results[2][1].keys() == {"answers"}


def test_the_reused_serializer_checks_answers_against_the_questionnaire_it_is_given(
    questionnaire,
):
    from qualification.fast_validation import submission_validate

    class Empty:  # a questionnaire without questions: every answer key is unknown
        class questions:  # noqa: N801
            @staticmethod
            def all():
                return []

    assert submission_validate(submission_payload(), questionnaire=questionnaire)[1] == {}
    _, errors = submission_validate(submission_payload(), questionnaire=Empty())
    assert set(errors["answers"]) == set(VALID_ANSWERS)


def test_the_reused_serializer_words_each_error_in_the_language_of_each_post(questionnaire):
    from qualification.fast_validation import submission_validate

    too_long = submission_payload(contact={"first_name": "x" * 101, "email": "a@example.com"})
    messages = {}
    for language in ("fr", "en", "fr", "en"):
        with translation.override(language):
            _, errors = submission_validate(too_long, questionnaire=questionnaire)
        messages.setdefault(language, set()).add(str(errors["contact"]["first_name"][0]))
    assert messages == {
        "fr": {"Assurez-vous que ce champ comporte au plus 100\xa0caractères."},
        "en": {"Ensure this field has no more than 100 characters."},
    }


def test_the_reused_serializer_keeps_no_prospects_data_in_the_thread(questionnaire):
    from qualification import fast_validation

    payload = submission_payload()
    data, _ = fast_validation.submission_validate(payload, questionnaire=questionnaire)
    assert data is not None
    for serializer in fast_validation._per_thread.submission.values():
        assert serializer.initial_data is None
        assert "data" not in serializer._kwargs
        # What DRF caches a validation in (BaseSerializer): gone until the next post.
        for name in ("_validated_data", "_errors", "_data"):
            assert name not in serializer.__dict__
        assert payload["contact"]["email"] not in repr(vars(serializer))
