"""Every model field of both apps that can hold text, JSON or an IP address is either
erased (``crm.services.person_erase`` and the providers) or explicitly not personal,
with the reason. A new field that is neither fails here until someone decides."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from crm import services

from .conftest import text_hits

#: Replaced with a tombstone (or emptied) by an erasure.
ERASED = {
    "qualification.ImportJob.report": "emptied when it names the person (and after "
    "QUALIFICATION_IMPORT_FILE_RETENTION_DAYS), with the file itself",
    "qualification.ImportJob.file_name": "tombstone when the file names the person",
    "qualification.ImportJob.error": "emptied with the report",
    "crm.Company.name": "when no other contact belongs to it",
    "crm.Company.website": "when no other contact belongs to it",
    "crm.Contact.email": "erased-<id>@erased.invalid",
    "crm.Contact.first_name": "",
    "crm.Contact.last_name": "",
    "crm.Contact.phone": "",
    "crm.Contact.job_title": "",
    "crm.Lead.referrer": "a URL may carry the address",
    "crm.Lead.lost_reason": "staff's free text",
    "crm.Lead.override_reason": "staff's free text",
    "crm.Lead.answers": "free-text answers only; choices are pipeline facts",
    "crm.Lead.answers_display": "free-text answers only",
    "crm.LeadEvent.from_value": "accepted or rejected proposed changes' values",
    "crm.LeadEvent.to_value": "accepted or rejected proposed changes' values",
    "crm.LeadEvent.note": "every note but the classification's (``ruleset vN``)",
    "crm.Activity.body": "",
    "crm.Consent.ip_address": "the evidence; the ledger row stays",
    "crm.Consent.user_agent": "the evidence",
    "crm.Consent.source": "the evidence (a page address)",
    "crm.ProposedChange.current": "",
    "crm.ProposedChange.proposed": "",
    "crm.PrivacyRequest.resolution": "staff's notes",
    "crm.PrivacyRequest.details": "what the person wrote, their address",
    "crm.PrivacyExport.reason": "may name the person",
    "crm.PrivacyExport.content": "the export itself",
    "crm.WebhookMessage.body": "crm.services.webhook_lead_erased",
    "crm.WebhookDelivery.response_excerpt": "a receiver may echo the body",
    "qualification.Submission.answers": "free-text answers only",
    "qualification.Submission.payload": "",
    "qualification.Submission.details": "",
    "qualification.Submission.last_error": "may quote the data",
    "qualification.Submission.ip_address": "",
    "qualification.Submission.user_agent": "",
    "qualification.Submission.idempotency_key": "chosen by the client",
    "qualification.Submission.idempotency_scope": "a hash of who sent it",
    "qualification.Submission.idempotency_fingerprint": "a hash of the body",
    "qualification.Submission.first_response": "the answer replayed for a retry",
}

#: Kept as they are, and why they hold nothing personal.
NOT_PERSONAL = {
    "qualification.ImportJob.delimiter": "the file's format",
    "qualification.ImportJob.encoding": "the file's format",
    "qualification.ImportJob.headers": "the file's column names",
    "qualification.ImportJob.mapping": "which column holds what (staff's choice)",
    "qualification.ImportJob.language": "the staff member's language for the report",
    "qualification.ImportJob.source": "the name staff gave the list (a campaign, a fair)",
    "qualification.ImportJob.file_sha256": "a digest of the whole file, not of a person; "
    "kept so that the same file is not imported twice",
    "crm.Lead.utm_source": "the practice's campaign names (the dashboard's sources)",
    "crm.Lead.utm_medium": "the practice's campaign names",
    "crm.Lead.utm_campaign": "the practice's campaign names",
    "crm.Lead.classification": "computed: choice keys, weights and the rules' reasons",
    "crm.Consent.wording_version": "the practice's wording's version",
    "crm.Consent.wording": "the practice's sentence the person agreed to",
    "crm.StaffProfile.calendar_feed_nonce": "staff's random secret",
    "crm.ProposedChange.reference": "a submission's public id",
    "crm.WebhookEndpoint.url": "a receiver's address (staff configuration)",
    "crm.WebhookEndpoint.description": "staff configuration",
    "crm.WebhookEndpoint.events": "event names",
    "crm.WebhookEndpoint.secret": "a signing secret",
    "crm.WebhookEndpoint.previous_secret": "a signing secret",
    "crm.WebhookEndpoint.disabled_reason": "a delivery error's summary",
    "crm.WebhookMessage.msg_id": "a random id",
    "crm.WebhookDelivery.error": "a network error's summary",
    "crm.EmailTemplate.name": "the practice's templates (placeholders, not values)",
    "crm.EmailTemplate.subject": "the practice's templates",
    "crm.EmailTemplate.body": "the practice's templates",
    "crm.ConfidentialityIncident.information_concerned": "describes the incident, not a "
    "person (the admin says so); kept 5 years by law",
    "crm.ConfidentialityIncident.circumstances": "as above",
    "crm.ConfidentialityIncident.risk_assessment": "as above",
    "crm.ConfidentialityIncident.public_notice": "as above",
    "crm.ConfidentialityIncident.measures": "as above",
    "crm.ErasedEmail.digest": "a keyed hash: useless without the key",
    "qualification.Questionnaire.title_fr": "the questionnaire",
    "qualification.Questionnaire.title_en": "the questionnaire",
    "qualification.Question.key": "the questionnaire",
    "qualification.Question.section": "the questionnaire",
    "qualification.Question.label_fr": "the questionnaire",
    "qualification.Question.label_en": "the questionnaire",
    "qualification.Question.help_fr": "the questionnaire",
    "qualification.Question.help_en": "the questionnaire",
    "qualification.Choice.key": "the questionnaire",
    "qualification.Choice.label_fr": "the questionnaire",
    "qualification.Choice.label_en": "the questionnaire",
    "qualification.Ruleset.weights": "the rules",
    "qualification.Ruleset.notes": "staff's notes on the rules",
    "qualification.Classification.explanation": "computed: choice keys and the rules' "
    "reasons (free-text answers are not scored)",
}

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.GenericIPAddressField)


def text_fields() -> set[str]:
    """``app.Model.field`` of every field that can hold free text, JSON or an address; a
    field with choices holds a key from a fixed list (not personal) and is left out."""
    found = set()
    for label in ("crm", "qualification"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, TEXT_FIELDS) and not field.choices:
                    found.add(f"{label}.{model.__name__}.{field.name}")
    return found


def test_every_text_field_is_classified():
    unclassified = text_fields() - set(ERASED) - set(NOT_PERSONAL)
    assert not unclassified, (
        "Decide whether these fields hold personal information: erase them in "
        f"crm.services.person_erase (or a provider) and list them in ERASED, or list "
        f"them in NOT_PERSONAL with the reason: {sorted(unclassified)}"
    )


def test_the_lists_name_only_fields_that_exist_and_once():
    assert not set(ERASED) & set(NOT_PERSONAL)
    assert (set(ERASED) | set(NOT_PERSONAL)) <= text_fields()


@pytest.mark.django_db
def test_the_erased_fields_hold_nothing_of_the_person_afterwards(person, officer):
    before = {(table, column) for table, column, _needle in text_hits()}
    services.person_erase(contact_id=person.pk, by=officer)
    assert text_hits() == []
    columns = {
        (model._meta.db_table, model._meta.get_field(name).column)
        for key in ERASED
        for label, model_name, name in [key.split(".")]
        for model in [apps.get_model(label, model_name)]
    }
    # Everything found before was in an erased field (or the admin's log).
    assert {hit for hit in before if hit[0] != "django_admin_log"} <= columns
