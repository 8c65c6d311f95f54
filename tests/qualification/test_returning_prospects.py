"""Issue 10, item 1: a post proves nothing about who sent it.

Knowing a prospect's e-mail must not let anyone replace what that person gave before:
their contact and company details, their lead's answers and result, a person's review
of it, or their consents. A later post is kept as a submission of its own, classified
on its own, with its differences proposed to staff field by field.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.models import Consent, Contact, Lead, LeadEvent, ProposedChange
from qualification import services
from qualification.models import Classification, Submission
from tests.factories import (
    CONSULTANT_ANSWERS,
    TEXTBOOK_CMO_ANSWERS,
    UserFactory,
    receive_submission,
    submission_payload,
)

pytestmark = pytest.mark.django_db

FIRST = submission_payload(
    contact={
        "first_name": "Josée",
        "last_name": "Tremblay",
        "email": "josee@acme.ca",
        "phone": "514 555-0199",
        "job_title": "Présidente",
    },
    company={"name": "Acme", "website": "https://acme.ca"},
    answers=dict(TEXTBOOK_CMO_ANSWERS),
    consent={"contact": True, "marketing": False},
)
#: The attacker's post: the victim's address in another case, everything else theirs.
HOSTILE = submission_payload(
    contact={
        "first_name": "Mallory",
        "last_name": "Evil",
        "email": "  JOSEE@Acme.CA ",
        "phone": "1 900 555-0000",
        "job_title": "Stagiaire",
    },
    company={"name": "Evil Corp", "website": "https://evil.example"},
    answers=dict(CONSULTANT_ANSWERS, employees="1_9", monthly_budget="under_2k"),
    consent={"contact": True, "marketing": True},
    language="en",
)


def classify(payload) -> Submission:
    """Store a post as the intake does, then what the worker does with it."""
    submission, _created = receive_submission(payload)
    services.submission_classify(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def known(no_send):
    """Josée's first post, classified, reviewed by a person and owned by a staff member."""
    first = classify(FIRST)
    lead = Lead.objects.get()
    owner = UserFactory(username="isabelle", email="isabelle@practice.example", roles=["Sales"])
    crm_services.lead_assign(lead=lead, owner=owner, by=owner)
    crm_services.lead_mark_reviewed(lead=lead, by=owner)
    mail.outbox.clear()
    return first, Lead.objects.get(pk=lead.pk), owner


def snapshot(lead: Lead) -> dict:
    lead.refresh_from_db()
    contact, company = lead.contact, lead.contact.company
    return {
        "contact": (
            contact.first_name,
            contact.last_name,
            contact.phone,
            contact.job_title,
            contact.language,
        ),
        "company": (company.name, company.website),
        "lead": (
            lead.answers,
            lead.recommendation,
            lead.fit_grade,
            lead.fit_score,
            lead.reviewed_by_id,
            lead.reviewed_at,
            lead.language,
        ),
    }


def test_a_first_time_prospect_is_filed_as_they_wrote(known):
    first, lead, _owner = known
    assert first.answers_adopted is True
    contact = Contact.objects.get()
    assert (contact.first_name, contact.phone, contact.company.name) == (
        "Josée",
        "514 555-0199",
        "Acme",
    )
    assert lead.answers == first.answers
    assert lead.recommendation == "fractional_cmo"
    # Their consents count from when they gave them.
    assert Consent.objects.filter(confirmed_at__isnull=True).count() == 0
    contact_consent = crm_selectors.consent_in_force(contact_id=contact.pk, purpose="contact")
    assert contact_consent.granted is True
    assert not ProposedChange.objects.exists()


def test_a_post_with_a_known_email_changes_nothing_stored(known):
    _first, lead, _owner = known
    before = snapshot(lead)
    second = classify(HOSTILE)

    assert snapshot(lead) == before
    assert Contact.objects.count() == 1
    assert Lead.objects.count() == 1
    # Kept, on the lead, classified on its own.
    assert second.lead_id == lead.pk
    assert second.status == Submission.Status.CLASSIFIED
    assert second.answers_adopted is False
    own = Classification.objects.get(submission=second)
    assert own.recommendation == "consultant"
    lead.refresh_from_db()
    assert lead.submission_count == 2
    assert lead.events.filter(kind=LeadEvent.Kind.RETURNED).exists()


def test_a_post_with_a_known_email_never_turns_a_consent_on(known):
    _first, lead, _owner = known
    classify(HOSTILE)
    marketing = Consent.objects.filter(purpose="marketing").order_by("pk")
    # The evidence is kept, but it waits for a confirmation from the address.
    assert [(c.granted, c.confirmed_at is None) for c in marketing] == [
        (False, False),
        (True, True),
    ]
    in_force = crm_selectors.consent_in_force(contact_id=lead.contact_id, purpose="marketing")
    assert in_force.granted is False


def test_the_differences_are_proposed_to_staff_field_by_field(known):
    _first, lead, _owner = known
    second = classify(HOSTILE)
    proposed = {
        change.field: change.proposed
        for change in ProposedChange.objects.filter(lead=lead, status="pending")
    }
    assert proposed["contact.first_name"] == "Mallory"
    assert proposed["contact.phone"] == "1 900 555-0000"
    assert proposed["company.name"] == "Evil Corp"
    assert proposed["company.website"] == "https://evil.example"
    assert proposed["contact.language"] == "en"
    assert proposed["lead.answers"]["answers"] == second.answers
    assert set(ProposedChange.objects.filter(lead=lead).values_list("reference", flat=True)) == {
        str(second.public_id)
    }


def test_the_same_details_again_propose_nothing_but_the_visit_is_counted(known):
    _first, lead, _owner = known
    classify(
        submission_payload(
            **{**FIRST, "contact": {**FIRST["contact"], "email": "Josee@ACME.ca"}},
        )
    )
    assert not ProposedChange.objects.exists()
    lead.refresh_from_db()
    assert lead.submission_count == 2


def test_the_owner_is_told_that_the_prospect_came_back(
    known, celery_eager, django_capture_on_commit_callbacks
):
    _first, lead, owner = known
    # The worker queues the e-mail once its transaction commits; eager mode runs it here.
    with django_capture_on_commit_callbacks(execute=True):
        classify(HOSTILE)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert "Josée Tremblay" in message.subject
    assert reverse("admin:crm_lead_change", args=[lead.pk]) in message.body
    # Names, phone, job title, company name and site, language and the answers differ.
    assert "8" in message.body


def test_without_an_owner_the_practice_is_told(settings, no_send):
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"
    classify(FIRST)
    lead = Lead.objects.get()
    assert crm_services.lead_notify_return(lead_id=lead.pk, changes=0) is True
    assert mail.outbox[-1].to == ["cmo@practice.example"]


def test_staff_accept_a_detail_and_reject_another(known):
    _first, lead, owner = known
    classify(HOSTILE)
    phone = ProposedChange.objects.get(lead=lead, field="contact.phone")
    name = ProposedChange.objects.get(lead=lead, field="contact.first_name")
    accepted, rejected = crm_services.proposed_changes_decide(
        lead=lead, accept=[phone.pk], reject=[name.pk], by=owner
    )
    assert (accepted, rejected) == (1, 1)
    contact = Contact.objects.get()
    assert contact.phone == "1 900 555-0000"
    assert contact.first_name == "Josée"
    phone.refresh_from_db()
    name.refresh_from_db()
    assert (phone.status, phone.decided_by) == ("accepted", owner)
    assert name.status == "rejected"
    kinds = set(lead.events.values_list("kind", flat=True))
    assert {"change_accepted", "change_rejected"} <= kinds


def test_accepting_the_answers_brings_their_result_onto_the_lead(known):
    _first, lead, owner = known
    second = classify(HOSTILE)
    answers = ProposedChange.objects.get(lead=lead, field="lead.answers")
    crm_services.proposed_changes_decide(lead=lead, accept=[answers.pk], by=owner)
    lead.refresh_from_db()
    second.refresh_from_db()
    assert lead.answers == second.answers
    assert second.answers_adopted is True
    assert lead.recommendation == "consultant"
    # A new result from other answers: the earlier person's review no longer applies.
    assert lead.reviewed_by is None
    # Re-scoring now starts from the adopted answers.
    services.leads_reclassify(lead_ids=[lead.pk])
    lead.refresh_from_db()
    assert lead.recommendation == "consultant"


def test_reclassifying_never_picks_up_answers_nobody_accepted(known):
    _first, lead, _owner = known
    classify(HOSTILE)
    services.leads_reclassify(lead_ids=[lead.pk])
    lead.refresh_from_db()
    assert lead.recommendation == "fractional_cmo"


def test_the_later_post_sees_its_own_result_never_the_leads(known, settings):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = True
    _first, lead, owner = known
    crm_services.lead_override_recommendation(
        lead=lead, recommendation="consultant", reason="private note", by=owner
    )
    second = classify(HOSTILE)
    from qualification.selectors import submission_for_prospect

    view = submission_for_prospect(public_id=second.public_id)
    assert view.recommendation == "consultant"  # its own answers' result
    first_view = submission_for_prospect(public_id=_first.public_id)
    assert first_view.recommendation == "consultant"  # the override, for the lead's own


def test_a_newer_proposal_replaces_a_pending_one(known):
    _first, lead, _owner = known
    classify(HOSTILE)
    classify({**HOSTILE, "contact": {**HOSTILE["contact"], "phone": "1 900 555-1111"}})
    phones = ProposedChange.objects.filter(lead=lead, field="contact.phone").order_by("pk")
    assert [(c.proposed, c.status) for c in phones] == [
        ("1 900 555-0000", "superseded"),
        ("1 900 555-1111", "pending"),
    ]


def test_staff_decide_from_the_admin_page(client, known):
    _first, lead, owner = known
    classify(HOSTILE)
    client.force_login(owner)
    page = client.get(reverse("admin:crm_lead_change", args=[lead.pk]))
    assert page.status_code == 200
    assert "Mallory" in page.content.decode()
    url = reverse("admin:crm_lead_proposed_changes", args=[lead.pk])
    form = client.get(url)
    assert form.status_code == 200
    changes = {c.field: c for c in ProposedChange.objects.filter(lead=lead, status="pending")}
    data = {f"change_{c.pk}": "later" for c in changes.values()}
    data[f"change_{changes['contact.job_title'].pk}"] = "accept"
    data[f"change_{changes['company.name'].pk}"] = "reject"
    response = client.post(url, data)
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.job_title == "Stagiaire"
    assert contact.company.name == "Acme"
    assert ProposedChange.objects.filter(lead=lead, status="pending").count() == len(changes) - 2


def test_a_staff_member_who_may_not_change_leads_cannot_decide(client, known):
    _first, lead, _owner = known
    classify(HOSTILE)
    stranger = UserFactory(username="nobody")
    client.force_login(stranger)
    response = client.post(
        reverse("admin:crm_lead_proposed_changes", args=[lead.pk]),
        {f"change_{c.pk}": "accept" for c in ProposedChange.objects.all()},
    )
    assert response.status_code in (302, 403, 404)
    assert Contact.objects.get().first_name == "Josée"


def test_a_refusal_in_a_later_post_counts_at_once(no_send):
    classify({**FIRST, "consent": {"contact": True, "marketing": True}})
    lead = Lead.objects.get()
    classify({**FIRST, "consent": {"contact": True, "marketing": False}})
    in_force = crm_selectors.consent_in_force(contact_id=lead.contact_id, purpose="marketing")
    # Turning a consent off wrongs nobody: the withdrawal is honoured (CASL).
    assert in_force.granted is False


def test_accepting_a_contact_detail_needs_the_permission_to_change_contacts(known):
    _first, lead, _owner = known
    classify(HOSTILE)
    reviewer = UserFactory(username="emily", roles=["Reviewer"])
    assert reviewer.has_perm("crm.change_lead") and not reviewer.has_perm("crm.change_contact")
    phone = ProposedChange.objects.get(lead=lead, field="contact.phone")
    answers = ProposedChange.objects.get(lead=lead, field="lead.answers")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        crm_services.proposed_changes_decide(lead=lead, accept=[phone.pk, answers.pk], by=reviewer)
    assert Contact.objects.get().phone == "514 555-0199"
    assert ProposedChange.objects.filter(status="pending").count() == 8
    # What the reviewer may change, they may accept.
    crm_services.proposed_changes_decide(lead=lead, accept=[answers.pk], by=reviewer)
    answers.refresh_from_db()
    assert answers.status == "accepted"


def test_the_admin_says_so_when_a_decision_is_not_allowed(client, known):
    _first, lead, _owner = known
    classify(HOSTILE)
    reviewer = UserFactory(username="emily", roles=["Reviewer"])
    client.force_login(reviewer)
    phone = ProposedChange.objects.get(lead=lead, field="contact.phone")
    url = reverse("admin:crm_lead_proposed_changes", args=[lead.pk])
    response = client.post(url, {f"change_{phone.pk}": "accept"}, follow=True)
    assert response.status_code == 200
    assert "crm.change_contact" in response.content.decode()
    assert Contact.objects.get().phone == "514 555-0199"


def test_what_changed_is_said_field_by_field_in_the_history_and_to_the_owner(
    known, celery_eager, django_capture_on_commit_callbacks
):
    """Issue 15: a known prospect's new post is never silent: the history's "came back"
    line says what the new answers give against the lead's result, the timeline lists
    each proposed field, and the owner's e-mail lists them field by field."""
    from crm.timeline import lead_timeline

    _first, lead, owner = known
    with django_capture_on_commit_callbacks(execute=True):
        classify(HOSTILE)

    came_back = lead.events.get(kind="returned")
    assert (came_back.from_value, came_back.to_value) == ("fractional_cmo", "consultant")
    with translation.override("en"):
        assert str(came_back) == "Came back: Fractional CMO → Marketing consultant"
        assert came_back.note_display.startswith("fit of the new answers: ")
        proposals = [e for e in lead_timeline(lead) if e.kind == "proposal"]
    assert {"phone", "company name", "answers to the questionnaire"} <= {
        e.title.split(": ", 1)[1].rsplit(" (", 1)[0] for e in proposals
    }
    assert any("514 555-0199 → 1 900 555-0000" in e.text for e in proposals)

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "514 555-0199 → 1 900 555-0000" in message.body
    assert "Evil Corp" in message.body
    # The owner reads it in their language (French by default): the rules' new reading.
    assert "Consultant marketing" in message.body and "CMO sur demande" in message.body
    assert snapshot(lead)["lead"][1] == "fractional_cmo"  # still the lead's own result
