"""Reads of the qualification app: the current questionnaire, cached per version."""

from __future__ import annotations

import pytest

from qualification.models import Question, Questionnaire
from qualification.selectors import questionnaire_current

pytestmark = pytest.mark.django_db


def publish_version_2() -> tuple[Questionnaire, Questionnaire]:
    v1 = Questionnaire.objects.get(version=1)
    v2 = Questionnaire.objects.create(
        version=2, is_published=True, title_fr="Questionnaire 2", title_en="Questionnaire 2"
    )
    Question.objects.create(
        questionnaire=v2,
        key="only_question",
        kind=Question.Kind.TEXT,
        section="need",
        position=1,
        label_fr="Seule question",
        label_en="Only question",
        required=False,
    )
    return v1, v2


def test_once_read_the_current_questionnaire_costs_one_small_query(
    django_assert_num_queries,
):
    first = questionnaire_current()
    with django_assert_num_queries(1):
        again = questionnaire_current()
    assert again.version == first.version == 1
    assert [q.key for q in again.questions.all()] == [q.key for q in first.questions.all()]


def test_a_newly_published_version_is_read_at_once():
    assert questionnaire_current().version == 1
    publish_version_2()

    current = questionnaire_current()
    assert current.version == 2
    assert [q.key for q in current.questions.all()] == ["only_question"]


def test_an_unpublished_questionnaire_is_no_longer_current():
    questionnaire_current()
    Questionnaire.objects.filter(version=1).update(is_published=False)
    assert questionnaire_current() is None


def test_a_questionnaire_whose_own_fields_change_is_read_again():
    questionnaire_current()
    v1 = Questionnaire.objects.get(version=1)
    v1.title_fr = "Nouveau titre"
    v1.save()  # moves updated_at, part of the cache key
    assert questionnaire_current().title("fr") == "Nouveau titre"


def test_the_current_questionnaire_is_trusted_for_a_few_seconds_then_asked_again(
    settings, django_assert_num_queries
):
    from qualification import selectors

    settings.QUALIFICATION_QUESTIONNAIRE_CACHE_SECONDS = 5
    selectors.questionnaires_forget()
    first = selectors.questionnaire_current()
    with django_assert_num_queries(0):
        assert selectors.questionnaire_current() is first

    # Saving one in this process (another instance of it) is seen at once.
    Questionnaire.objects.filter(pk=first.pk).update(title_en="Not seen yet")
    assert selectors.questionnaire_current().title_en == first.title_en
    changed = Questionnaire.objects.get(pk=first.pk)
    changed.title_en = "Which help do you need?"
    changed.save()
    assert selectors.questionnaire_current().title_en == "Which help do you need?"

    # Other processes find out when the delay is over.
    selectors._current = (0.0, None)
    with django_assert_num_queries(1):
        selectors.questionnaire_current()
    selectors.questionnaires_forget()
