"""The crm's choices, apart from its models, so that other apps (and the scoring's
callers) can name a stage or a recommendation without reaching into the models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    FR = "fr", _("French")
    EN = "en", _("English")


class Stage(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    DISCOVERY = "discovery", _("Discovery")
    PROPOSAL = "proposal", _("Proposal")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DISQUALIFIED = "disqualified", _("Disqualified")


#: Stages in which a lead is still being worked; a returning prospect joins such a lead.
OPEN_STAGES = (Stage.NEW, Stage.CONTACTED, Stage.DISCOVERY, Stage.PROPOSAL)
CLOSED_STAGES = (Stage.WON, Stage.LOST, Stage.DISQUALIFIED)


class Recommendation(models.TextChoices):
    CONSULTANT = "consultant", _("Marketing consultant")
    FRACTIONAL_CMO = "fractional_cmo", _("Fractional CMO")


class Alternative(models.TextChoices):
    ADVISOR = "advisor", _("Marketing advisor")
    INTERIM_DIRECTOR = "interim_director", _("Interim marketing director")
    FULL_TIME_HIRE = "full_time_hire", _("Full-time hire")


class Clarity(models.TextChoices):
    """The classification's confidence in words: how clear-cut the answers are (how far
    one model's evidence outweighs the other's), not a probability. Staff read the word
    first and the figure second; the lead list's confidence filter uses the same bands."""

    CLEAR = "clear", _("Clear-cut")
    LEANING = "leaning", _("Leaning")
    UNCERTAIN = "uncertain", _("Uncertain")

    @classmethod
    def of(cls, confidence: float) -> Clarity:
        if confidence >= CLEAR_AT_LEAST:
            return cls.CLEAR
        return cls.LEANING if confidence >= LEANING_AT_LEAST else cls.UNCERTAIN


#: The bands of :class:`Clarity`, as a share of the total evidence.
CLEAR_AT_LEAST, LEANING_AT_LEAST = 0.75, 0.5

#: What the confidence figure means, for a tooltip or a note beside it.
CLARITY_HELP = _(
    "How clear-cut the answers are: how far one model's evidence outweighs the other's. "
    "Not a probability."
)


def clarity_text(confidence: float | None) -> str:
    """``Clear-cut (91 %)``: the word first, the figure second ("—" when not computed)."""
    if confidence is None:
        return "—"
    return f"{Clarity.of(confidence).label} ({round(confidence * 100)} %)"


class FitGrade(models.TextChoices):
    A = "A", _("A (strong fit)")
    B = "B", _("B (good fit)")
    C = "C", _("C (fair fit)")
    D = "D", _("D (weak fit)")


class LeadSource(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    DEMO = "demo", _("Demo data")


class ConsentPurpose(models.TextChoices):
    CONTACT = "contact", _("To be contacted about this request")
    MARKETING = "marketing", _("Marketing e-mails")


class ProposedChangeField(models.TextChoices):
    FIRST_NAME = "contact.first_name", _("first name")
    LAST_NAME = "contact.last_name", _("last name")
    PHONE = "contact.phone", _("phone")
    JOB_TITLE = "contact.job_title", _("job title")
    LANGUAGE = "contact.language", _("language")
    COMPANY_NAME = "company.name", _("company name")
    COMPANY_WEBSITE = "company.website", _("company website")
    ANSWERS = "lead.answers", _("answers to the questionnaire")


class PrivacyRequestKind(models.TextChoices):
    """What a person asks about their personal information (Québec's Law 25)."""

    ACCESS = "access", _("Access to their information")
    RECTIFICATION = "rectification", _("Correction")
    PORTABILITY = "portability", _("Copy in a structured format")
    ERASURE = "erasure", _("Erasure")
    REVIEW = "review", _("Review of an automated decision")
    CONSENT_WITHDRAWAL = "consent_withdrawal", _("Consent withdrawal")


class PrivacyRequestStatus(models.TextChoices):
    OPEN = "open", _("To handle")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Handled")
    REFUSED = "refused", _("Refused")


#: A request in one of these is still being worked: a second one of its kind waits for it.
OPEN_PRIVACY_STATUSES = (PrivacyRequestStatus.OPEN, PrivacyRequestStatus.IN_PROGRESS)


class ProspectAction(models.TextChoices):
    """What a prospect did themselves (their private page, a link in an e-mail), as the
    lead's history records it."""

    CONSENT_CONFIRMED = "consent_confirmed", _("confirmed a consent from their e-mail")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("withdrew their marketing consent")
    REVIEW_REQUESTED = "review_requested", _("asked for a person's review")
    ERASURE_REQUESTED = "erasure_requested", _("asked for erasure")
    DATA_DOWNLOADED = "data_downloaded", _("downloaded their data")
    ANSWERS_CORRECTED = "answers_corrected", _("corrected their answers")
