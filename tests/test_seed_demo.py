"""The seed_demo command: demo leads through the real intake, rules and pipeline."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from config.demo.prospects import ARCHETYPES, DEMO_STAFF, archetype_answers
from crm.models import OPEN_STAGES, Activity, Consent, Contact, Lead, LeadEvent, Stage
from qualification.intake import validate_answers
from qualification.models import Classification, Submission
from qualification.selectors import questionnaire_current, ruleset_compiled, ruleset_get_current

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--no-progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_adds_the_leads_asked_for_each_stored_and_classified_by_the_real_services(debug):
    output = seed("--leads", "40", "--seed", "7")

    assert "Added 40 demo leads (seed 7)" in output
    assert Lead.objects.count() == 40
    assert not Lead.objects.filter(classified_at__isnull=True).exists()
    assert set(Lead.objects.values_list("recommendation", flat=True)) == {
        "consultant",
        "fractional_cmo",
    }
    current = ruleset_get_current()
    for lead in Lead.objects.prefetch_related("submissions"):
        (submission,) = lead.submissions.all()
        assert submission.status == Submission.Status.CLASSIFIED
        assert submission.answers == lead.answers
        assert Classification.objects.filter(submission=submission, ruleset=current).exists()
    # Consent to be contacted, with the wording shown, as the intake records it.
    assert Consent.objects.filter(purpose="contact", granted=True).count() == 40
    assert {"web_form", "api"} <= set(Lead.objects.values_list("source", flat=True))
    assert {"linkedin", "google"} <= set(Lead.objects.values_list("utm_source", flat=True))


def test_leads_come_in_both_languages_mostly_in_french(debug):
    seed("--leads", "60", "--seed", "3")

    languages = Counter(Lead.objects.values_list("language", flat=True))
    assert languages["fr"] + languages["en"] == 60
    assert 0.5 <= languages["fr"] / 60 <= 0.9
    assert languages["en"] >= 6
    assert not Lead.objects.exclude(contact__language=F("language")).exists()
    french_titles = set(Contact.objects.filter(language="fr").values_list("job_title", flat=True))
    assert not french_titles & {"President", "Owner", "CEO", "Marketing Manager"}


def test_the_pipeline_is_alive_with_owners_reviews_and_follow_ups(debug):
    call_command("ensure_demo_staff", stdout=StringIO())
    seed("--leads", "60", "--seed", "11")
    now = timezone.now()

    stages = set(Lead.objects.values_list("stage", flat=True))
    assert len(stages) >= 5
    assert {Stage.NEW, Stage.CONTACTED, Stage.LOST} <= stages
    assert not Lead.objects.filter(stage=Stage.LOST, lost_reason="").exists()
    worked = Lead.objects.exclude(stage=Stage.NEW)
    assert not worked.filter(owner__isnull=True).exists()
    owners = set(Lead.objects.filter(owner__isnull=False).values_list("owner__username", flat=True))
    assert owners <= {"isabelle.gagnon", "marc.bouchard", "demo"}
    # A person looks at a lead that needs review before anyone replies.
    assert not worked.filter(needs_review=True, reviewed_at__isnull=True).exists()
    assert Lead.objects.filter(reviewed_by__username="emily.clarke").exists()
    for lead in Lead.objects.exclude(override_recommendation=""):
        assert lead.override_reason
        assert lead.override_recommendation != lead.recommendation
    # Every stage change is in the history, by the lead's owner.
    moves = LeadEvent.objects.filter(kind=LeadEvent.Kind.STAGE)
    assert moves.count() >= worked.count()
    assert not moves.exclude(by=F("lead__owner")).exists()

    to_do = Activity.objects.filter(done_at__isnull=True, due_at__isnull=False)
    assert Activity.objects.filter(done_at__isnull=False).exists()
    assert to_do.filter(due_at__lt=now).exists()
    assert to_do.filter(due_at__gt=now).exists()
    assert not to_do.exclude(lead__stage__in=OPEN_STAGES).exists()
    assert not to_do.exclude(owner=F("lead__owner")).exists()
    for lead in Lead.objects.filter(stage__in=OPEN_STAGES, owner__isnull=False):
        soonest = to_do.filter(lead=lead).order_by("due_at").first()
        assert lead.next_follow_up_at == soonest.due_at


def test_leads_are_spread_over_the_last_ninety_days_with_their_history_in_order(debug):
    seed("--leads", "60", "--seed", "5")
    now = timezone.now()

    created = list(Lead.objects.values_list("created_at", flat=True))
    assert min(created) < now - timedelta(days=30)
    assert min(created) > now - timedelta(days=91)
    assert max(created) > now - timedelta(days=14)
    assert not LeadEvent.objects.filter(created_at__gt=now).exists()
    assert not LeadEvent.objects.filter(created_at__lt=F("lead__created_at")).exists()
    assert not Activity.objects.filter(done_at__gt=now).exists()
    assert not Submission.objects.exclude(created_at=F("lead__created_at")).exists()
    for lead in Lead.objects.all():
        times = list(lead.events.order_by("pk").values_list("created_at", flat=True))
        assert times == sorted(times)
        assert lead.classified_at >= lead.created_at


def test_it_creates_the_demo_staff_in_their_groups_once(debug):
    first = seed("--leads", "5", "--seed", "1")
    second = seed("--leads", "5", "--seed", "2")

    User = get_user_model()
    for member in DEMO_STAFF:
        user = User.objects.get(username=member.username)
        assert user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [member.group]
        assert user.crm_profile.language == member.language
        assert f"Created demo staff account {member.username!r}" in first
    assert "Created demo staff" not in second


def test_running_it_twice_adds_more_leads_with_new_contacts(debug):
    seed("--leads", "30", "--seed", "4")
    seed("--leads", "30", "--seed", "4")

    assert Lead.objects.count() == 60
    assert Contact.objects.count() == 60
    assert Lead.objects.filter(submission_count=1).count() == 60


def test_if_empty_adds_leads_to_an_empty_database_only(debug):
    seed("--leads", "10", "--seed", "1", "--if-empty")
    assert Lead.objects.count() == 10

    output = seed("--leads", "10", "--seed", "2", "--if-empty")

    assert Lead.objects.count() == 10
    assert "There are leads already: no demo leads added (--if-empty)." in output


def test_it_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        seed("--leads", "3")
    assert not Lead.objects.exists()
    assert not get_user_model().objects.filter(username="isabelle.gagnon").exists()

    seed("--leads", "3", "--force")
    assert Lead.objects.count() == 3


def test_a_broker_that_is_down_breaks_nothing(
    debug, django_capture_on_commit_callbacks, monkeypatch
):
    # Every send fails, as with Redis down (whether or not a test started one earlier).
    from qualification.services import sending

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(sending.publish, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = seed("--leads", "30", "--seed", "8")

    # One classification task per submission was tried, and nothing else (demo leads
    # are not announced to the practice).
    assert len(callbacks) == 30
    assert "Demo leads ready" in output
    # Each failed send was noted (for the sweep; a classified one needs nothing more).
    assert Submission.objects.filter(status="classified", enqueued_at__isnull=True).count() == 30


def test_a_later_classification_of_a_demo_lead_changes_nothing(debug):
    seed("--leads", "5", "--seed", "6")
    submission = Submission.objects.first()
    before = Lead.objects.values().get(pk=submission.lead_id)

    from qualification.services import submission_classify

    submission_classify(submission_id=submission.pk)

    assert Lead.objects.values().get(pk=submission.lead_id) == before
    assert Classification.objects.filter(submission=submission).count() == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("consultant", lambda o: o.recommendation == "consultant" and not o.needs_review),
        ("fractional_cmo", lambda o: o.recommendation == "fractional_cmo" and not o.needs_review),
        ("advisor", lambda o: o.alternative == "advisor"),
        ("interim_director", lambda o: o.alternative == "interim_director"),
        ("full_time_hire", lambda o: o.alternative == "full_time_hire"),
        ("mixed", lambda o: o.needs_review),
    ],
)
def test_each_kind_of_prospect_answers_as_its_engagement_model(name, expected):
    archetype = next(a for a in ARCHETYPES if a.name == name)
    questionnaire = questionnaire_current()
    choices = {q.key: [c.key for c in q.choices.all()] for q in questionnaire.questions.all()}
    compiled = ruleset_compiled(ruleset_get_current())
    rng = random.Random(name)

    outcomes = []
    for _ in range(300):
        answers = archetype_answers(archetype, rng, choices)
        assert validate_answers(answers, questionnaire) == {}
        outcomes.append(compiled.score(answers, "fr"))

    # Most of them, not all: one answer in ten is left to chance, as in real life.
    assert sum(map(expected, outcomes)) / len(outcomes) >= 0.8
