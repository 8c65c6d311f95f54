"""Questionnaires (versioned), rulesets (versioned), submissions and classifications."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crm.choices import Alternative, FitGrade, Language, Recommendation
from crm.models import Lead, TimeStampedModel, staff_link
from crm.results import QualificationResult


def _in_language(obj, field: str, language: str | None = None) -> str:
    """``label_fr``/``label_en`` style fields, in the asked or active language."""
    language = (language or get_language() or "fr")[:2]
    if language not in ("fr", "en"):
        language = "fr"
    return getattr(obj, f"{field}_{language}") or getattr(obj, f"{field}_fr")


class Questionnaire(TimeStampedModel):
    version = models.PositiveIntegerField(_("version"), unique=True)
    is_published = models.BooleanField(_("published"), default=False)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-version"]

    def __str__(self):
        return f"v{self.version}"

    def title(self, language: str | None = None) -> str:
        return _in_language(self, "title", language)


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        TEXT = "text", _("Free text")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    key = models.SlugField(_("key"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    section = models.CharField(_("section"), max_length=50, blank=True)
    label_fr = models.CharField(_("question (French)"), max_length=300)
    label_en = models.CharField(_("question (English)"), max_length=300)
    help_fr = models.CharField(_("help (French)"), max_length=500, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    min_choices = models.PositiveSmallIntegerField(_("fewest choices"), default=1)
    max_choices = models.PositiveSmallIntegerField(_("most choices"), default=1)
    max_length = models.PositiveIntegerField(_("longest text"), null=True, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "key"], name="qualification_question_key_unique"
            ),
        ]

    def __str__(self):
        return self.key

    def label(self, language: str | None = None) -> str:
        return _in_language(self, "label", language)

    def help_text(self, language: str | None = None) -> str:
        return _in_language(self, "help", language)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(_("key"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"))
    label_fr = models.CharField(_("answer (French)"), max_length=300)
    label_en = models.CharField(_("answer (English)"), max_length=300)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "key"], name="qualification_choice_key_unique"
            ),
        ]

    def __str__(self):
        return self.key

    def label(self, language: str | None = None) -> str:
        return _in_language(self, "label", language)


class Ruleset(TimeStampedModel):
    """The scoring weights, as data. A published version is never changed again."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    weights = models.JSONField(_("weights"))
    notes = models.TextField(_("notes"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = staff_link(_("created by"))

    class Meta:
        verbose_name = _("ruleset")
        verbose_name_plural = _("rulesets")
        ordering = ["-version"]

    def __str__(self):
        return f"v{self.version} ({self.get_status_display()})"


class Submission(TimeStampedModel):
    """One answered questionnaire, as received: stored before anything else happens.

    The intake writes this one row and answers ``202``; the worker then files it under
    its contact and lead (``details`` holds what it needs: the validated contact,
    company, consent and source) and classifies it. Until then ``lead`` is empty.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLASSIFIED = "classified", _("Classified")
        FAILED = "failed", _("Failed")
        SPAM = "spam", _("Spam")

    class Channel(models.TextChoices):
        WEB_FORM = "web_form", _("Web form")
        API = "api", _("API")
        IMPORT = "import", _("Import")

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("questionnaire"), on_delete=models.PROTECT
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="submissions",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    answers = models.JSONField(_("answers"))
    # Everything that was posted (contact, company, consent, source), for the record.
    payload = models.JSONField(_("payload as received"), default=dict)
    # The validated contact, company, consent and source the worker files the lead from.
    details = models.JSONField(_("validated details"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    enqueued_at = models.DateTimeField(_("last sent to the queue"), null=True, blank=True)
    # Until when a run of the classify task has it in hand (a batch claims up to
    # QUALIFICATION_CLASSIFY_BATCH_SIZE pending submissions; see services.claims).
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    classified_at = models.DateTimeField(_("classified"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    # Whether the lead's answers (and so its result) are this submission's: those of the
    # submission that opened the lead, or of a later one whose answers staff accepted.
    # A later post for a known person is classified on its own, but proves nothing about
    # who sent it, so it changes nothing on the lead until then (issue 10).
    answers_adopted = models.BooleanField(_("answers in force on the lead"), default=True)
    # IETF Idempotency-Key draft: the key is the client's (``idempotency_scope``, a hash
    # of who sent it), remembered with a fingerprint of the body for 24 hours.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, null=True, blank=True)
    idempotency_scope = models.CharField(_("idempotency scope"), max_length=64, blank=True)
    idempotency_fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    # The first answer given, replayed as is for a retried post with the same key.
    first_response = models.JSONField(_("first response"), null=True, blank=True)
    # When the confirmation e-mail went to the prospect (sent once per submission).
    confirmation_sent_at = models.DateTimeField(_("confirmation e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="classified") | Q(lead__isnull=False),
                name="qualification_submission_classified_has_lead",
            ),
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="qualification_submission_idempotency_key_per_client",
            ),
        ]

    def __str__(self):
        return str(self.public_id)


class Classification(TimeStampedModel):
    """What one ruleset version computed for one submission. Never edited afterwards."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="classifications"
    )
    ruleset = models.ForeignKey(Ruleset, on_delete=models.PROTECT, related_name="+")
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices
    )
    alternative = models.CharField(
        _("alternative"), max_length=20, choices=Alternative.choices, blank=True
    )
    confidence = models.FloatField(_("confidence"))
    needs_review = models.BooleanField(_("needs review"))
    fit_score = models.PositiveSmallIntegerField(_("fit score"))
    fit_grade = models.CharField(_("fit grade"), max_length=1, choices=FitGrade.choices)
    explanation = models.JSONField(_("explanation"))

    def result(self) -> QualificationResult:
        """This classification as the crm stores a result (reads ``ruleset``)."""
        return QualificationResult(
            recommendation=self.recommendation,
            confidence=self.confidence,
            needs_review=self.needs_review,
            alternative=self.alternative or None,
            fit_score=self.fit_score,
            fit_grade=self.fit_grade,
            explanation=self.explanation,
            ruleset_version=self.ruleset.version,
        )

    @staticmethod
    def fields_from(result: QualificationResult) -> dict:
        """The columns that keep ``result`` (the version is the ruleset's)."""
        return {
            "recommendation": result.recommendation,
            "alternative": result.alternative or "",
            "confidence": result.confidence,
            "needs_review": result.needs_review,
            "fit_score": result.fit_score,
            "fit_grade": result.fit_grade,
            "explanation": result.explanation,
        }

    class Meta:
        verbose_name = _("classification")
        verbose_name_plural = _("classifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "ruleset"],
                name="qualification_one_classification_per_ruleset",
            ),
        ]


# CSV imports of leads: their own module (the job, its file and its report).
from .models_imports import ImportJob  # noqa: E402

__all__ = ["ImportJob"]
