"""The pipeline's data: who the prospect is, where the lead stands, what was done."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import (
    CLOSED_STAGES,
    OPEN_STAGES,
    Alternative,
    ConsentPurpose,
    FitGrade,
    Language,
    LeadSource,
    ProspectAction,
    Recommendation,
    Stage,
)
from .ledger import ConsentLedger, LedgerRow

__all__ = [
    "staff_link",
    "CLOSED_STAGES",
    "OPEN_STAGES",
    "Activity",
    "Alternative",
    "Company",
    "Consent",
    "Contact",
    "FitGrade",
    "Language",
    "Lead",
    "LeadEvent",
    "LeadSource",
    "PrivacyRequest",
    "ProposedChange",
    "Recommendation",
    "StaffProfile",
    "Stage",
    "TimeStampedModel",
]


def optional_link(to, verbose_name, *, related_name: str = "+") -> models.ForeignKey:
    """A link that may be empty and is emptied (not cascaded) when its target goes."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )


def staff_link(verbose_name, *, related_name: str = "+") -> models.ForeignKey:
    """A staff member who did or owns something: kept as null when the account goes."""
    return optional_link(settings.AUTH_USER_MODEL, verbose_name, related_name=related_name)


class TimeStampedModel(models.Model):
    """Every model's created_at/updated_at, from one place."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Company(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="crm_company_name_ci")]

    def __str__(self):
        return self.name


class Contact(TimeStampedModel):
    """The prospect. One per e-mail address, stored normalized (trimmed, lower case)."""

    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="contacts"
    )
    # When the person was erased (anonymised: crm.services.person_erase); then every
    # personal field above holds a tombstone.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="crm_contact_email_lowercase"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Lead(TimeStampedModel):
    """A prospect's way through the pipeline, with the qualification in force.

    The qualification fields are written by ``crm.services.lead_record_qualification``
    (called by the qualification app); ``classification`` keeps the full computed
    outcome as the rules produced it, ``answers`` the answers it was computed from,
    and the override sits beside them, never instead of them.
    """

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="leads"
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="leads"
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.NEW, db_index=True
    )
    owner = staff_link(_("owner"), related_name="owned_leads")
    next_follow_up_at = models.DateTimeField(
        _("next follow-up"), null=True, blank=True, db_index=True
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    source = models.CharField(
        _("source"), max_length=20, choices=LeadSource.choices, default=LeadSource.WEB_FORM
    )
    utm_source = models.CharField(_("UTM source"), max_length=200, blank=True)
    utm_medium = models.CharField(_("UTM medium"), max_length=200, blank=True)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=200, blank=True)
    referrer = models.CharField(_("referrer"), max_length=500, blank=True)
    submission_count = models.PositiveIntegerField(_("submissions"), default=1)
    last_returned_at = models.DateTimeField(_("came back on"), null=True, blank=True)
    lost_reason = models.CharField(_("reason lost"), max_length=500, blank=True)

    # The latest answers, as keys and as labels in both languages, so that the crm
    # can show them without knowing the questionnaire.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    answers_display = models.JSONField(_("answers (labels)"), default=list, blank=True)

    # What the rules computed (denormalized for filtering; null while pending).
    recommendation = models.CharField(
        _("computed recommendation"),
        max_length=20,
        choices=Recommendation.choices,
        blank=True,
        db_index=True,
    )
    alternative = models.CharField(
        _("alternative"), max_length=20, choices=Alternative.choices, blank=True
    )
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    fit_score = models.PositiveSmallIntegerField(_("fit score"), null=True, blank=True)
    fit_grade = models.CharField(
        _("fit grade"), max_length=1, choices=FitGrade.choices, blank=True, db_index=True
    )
    needs_review = models.BooleanField(_("needs review"), default=False, db_index=True)
    ruleset_version = models.PositiveIntegerField(_("ruleset version"), null=True, blank=True)
    classification = models.JSONField(_("classification"), null=True, blank=True)
    classified_at = models.DateTimeField(_("classified"), null=True, blank=True)

    # A person's look at the recommendation (Québec's Law 25: automated decisions
    # can be reviewed by a person).
    reviewed_by = staff_link(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    override_recommendation = models.CharField(
        _("override"), max_length=20, choices=Recommendation.choices, blank=True
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    override_by = staff_link(_("overridden by"))
    override_at = models.DateTimeField(_("overridden"), null=True, blank=True)

    # When the practice was told about this promising new lead (sent once per lead).
    practice_notified_at = models.DateTimeField(_("practice notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("override_recommendation", _("Can override the computed recommendation")),
        ]
        constraints = [
            # A returning prospect joins their open lead: at most one open lead each.
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(stage__in=["new", "contacted", "discovery", "proposal"]),
                name="crm_lead_one_open_per_contact",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="crm_lead_confidence_0_1",
            ),
            models.CheckConstraint(
                condition=Q(fit_score__isnull=True) | Q(fit_score__lte=100),
                name="crm_lead_fit_score_0_100",
            ),
            models.CheckConstraint(
                condition=Q(override_recommendation="") | ~Q(override_reason=""),
                name="crm_lead_override_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "-created_at"], name="crm_lead_stage_created"),
            models.Index(fields=["owner", "next_follow_up_at"], name="crm_lead_owner_follow_up"),
            # "Overdue": open stages with a follow-up before now, without reading rows.
            models.Index(fields=["stage", "next_follow_up_at"], name="crm_lead_stage_follow_up"),
            # Counting the list's filtered leads and the dashboard's figures reads only
            # this index, never the table's wide rows (answers, classification JSON).
            models.Index(
                fields=[
                    "stage",
                    "override_recommendation",
                    "recommendation",
                    "needs_review",
                    "fit_grade",
                    "confidence",
                    "language",
                ],
                name="crm_lead_list_filters",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.contact.full_name} ({self.company.name})"

    @property
    def recommendation_in_force(self) -> str:
        """The override's recommendation when there is one, else the computed one."""
        return self.override_recommendation or self.recommendation

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


#: How the history shows the stages and recommendations it records as keys.
_EVENT_VALUE_LABELS = {
    **dict(Stage.choices),
    **dict(Recommendation.choices),
    **dict(ProspectAction.choices),
}
#: The note the crm writes on a classification (``crm.services``), kept as such.
_RULESET_NOTE = re.compile(r"^ruleset v(\d+)( \(re-scored\))?$")
#: The note on a "came back" line once the new answers are scored (``returning_fit_note``).
_RETURN_FIT_NOTE = re.compile(r"^fit (\S+) \(stored (\S+)\)$")


def returning_fit_note(*, new: str, stored: str) -> str:
    """The machine note of a returning prospect's new fit grade beside the stored one
    (shown in the reader's language by ``LeadEvent.note_display``)."""
    return f"fit {new or '-'} (stored {stored or '-'})"


class LeadEvent(TimeStampedModel):
    """The lead's history: every stage change, assignment, override, review, return."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STAGE = "stage", _("Stage changed")
        ASSIGNED = "assigned", _("Assigned")
        OVERRIDE = "override", _("Recommendation overridden")
        REVIEWED = "reviewed", _("Recommendation reviewed")
        CLASSIFIED = "classified", _("Classified")
        RETURNED = "returned", _("Came back")
        CHANGE_ACCEPTED = "change_accepted", _("Proposed change accepted")
        CHANGE_REJECTED = "change_rejected", _("Proposed change rejected")
        # What the prospect did (crm.choices.ProspectAction in ``to_value``).
        PROSPECT = "prospect", _("Done by the prospect")
        ERASED = "erased", _("Personal information erased")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    from_value = models.CharField(_("from"), max_length=200, blank=True)
    to_value = models.CharField(_("to"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    by = staff_link(_("by"))

    class Meta:
        verbose_name = _("lead event")
        verbose_name_plural = _("lead history")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        if not (self.from_value or self.to_value):
            return str(self.get_kind_display())
        return gettext("%(what)s: %(from)s → %(to)s") % {
            "what": self.get_kind_display(),
            "from": self.from_label,
            "to": self.to_label,
        }

    @property
    def from_label(self) -> str:
        """``from_value`` in words when it is a stage or a recommendation key."""
        return str(_EVENT_VALUE_LABELS.get(self.from_value, self.from_value)) or "—"

    @property
    def to_label(self) -> str:
        return str(_EVENT_VALUE_LABELS.get(self.to_value, self.to_value)) or "—"

    @property
    def note_display(self) -> str:
        """The note in the reader's language when the crm wrote it (``ruleset v2``,
        ``ruleset v2 (re-scored)``, kept in the database as such); a person's note as is."""
        fit = _RETURN_FIT_NOTE.match(self.note)
        if fit is not None:
            return gettext("fit of the new answers: %(new)s (the lead's: %(stored)s)") % {
                "new": fit.group(1),
                "stored": fit.group(2),
            }
        found = _RULESET_NOTE.match(self.note)
        if found is None:
            return self.note
        version = int(found.group(1))
        if found.group(2):
            return gettext("ruleset version %(version)d (re-scored)") % {"version": version}
        return gettext("ruleset version %(version)d") % {"version": version}


class Activity(TimeStampedModel):
    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        MEETING = "meeting", _("Meeting")

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(_("details"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    owner = staff_link(_("owner"), related_name="activities")

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "done_at", "due_at"], name="crm_activity_todo")]

    def __str__(self):
        """The kind and the start of the text: ``Call: Set the discovery meeting…``."""
        text = " ".join(self.body.split())
        if not text:
            return str(self.get_kind_display())
        short = text if len(text) <= 60 else text[:59].rstrip() + "…"
        return gettext("%(kind)s: %(text)s") % {"kind": self.get_kind_display(), "text": short}


class Consent(LedgerRow, TimeStampedModel):
    """Evidence of one consent: what was agreed to, when, from where (CASL, Law 25)."""

    Purpose = ConsentPurpose

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="consents"
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    wording_version = models.CharField(_("wording version"), max_length=40)
    wording = models.TextField(_("wording shown"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    # When it began to count. A consent given in a post for an address already known
    # proves nothing about who sent it: it is kept as evidence, unconfirmed (null), and
    # counts only once confirmed from that address.
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = ConsentLedger.as_manager()  # append-only (crm.ledger)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        given = gettext("granted") if self.granted else gettext("refused")
        return gettext("%(kind)s: %(text)s") % {"kind": self.get_purpose_display(), "text": given}


class StaffProfile(TimeStampedModel):
    """What the crm keeps about a staff member: the language of their e-mails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="crm_profile",
    )
    language = models.CharField(
        _("language of e-mails"), max_length=2, choices=Language.choices, default=Language.FR
    )
    # The day of the last follow-up digest, so that a second run that day sends nothing.
    follow_up_digest_sent_on = models.DateField(_("last digest sent on"), null=True, blank=True)
    # The secret part of their private calendar feed's address is a signature of this
    # random value (``crm.selectors_calendar.calendar_feed_token``): changing it (rotating)
    # invalidates the old address at once. Empty: no feed.
    calendar_feed_nonce = models.CharField(
        _("calendar feed key"), max_length=64, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)


# What a later post gave differently, for staff to decide: its own module.
from .models_proposals import ProposedChange  # noqa: E402

# Outbound webhooks: their own module (endpoints, the outbox, the delivery log).
from .models_webhooks import (  # noqa: E402
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    WebhookMessage,
)

__all__ += ["WebhookDelivery", "WebhookEndpoint", "WebhookEventType", "WebhookMessage"]

# E-mail templates staff send from a lead page: their own module too.
from .models_emails import EmailTemplate  # noqa: E402

__all__ += ["EmailTemplate"]

# The register of privacy requests lives in its own module (it imports the models above).
from .models_incidents import ConfidentialityIncident  # noqa: E402
from .models_privacy import ErasedEmail, PrivacyExport, PrivacyRequest  # noqa: E402

__all__ += ["ConfidentialityIncident", "ErasedEmail", "PrivacyExport"]
