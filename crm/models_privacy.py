"""The register of privacy requests (Québec's Law 25): what a person asked about their
personal information, when, by when it must be answered, and how it was handled.

Defined apart from ``crm.models`` (which imports it, so it is one of the crm's models)
to keep each module short. Issue 12 files two kinds from the prospect's private page
(a person's review of the automated recommendation, erasure); the register holds every
kind so that the privacy operations (issue 13) add theirs to the same queue.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    OPEN_PRIVACY_STATUSES,
    Language,
    PrivacyRequestKind,
    PrivacyRequestStatus,
)
from .models import Contact, Lead, TimeStampedModel, optional_link, staff_link


class PrivacyRequest(TimeStampedModel):
    """One request a person made about their information, in the staff's queue.

    ``received_at`` is when it came in, ``due_at`` when it must be answered (Law 25
    gives 30 days: ``CRM_PRIVACY_REQUEST_DUE_DAYS``). At most one request of a kind is
    open per person at a time (a database constraint): asking again while one is open
    creates nothing. The contact is kept as a link that an erasure may empty; the
    request itself stays as the record that it was made and answered.
    """

    Kind = PrivacyRequestKind
    Status = PrivacyRequestStatus

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    contact = optional_link(Contact, _("contact"), related_name="privacy_requests")
    lead = optional_link(Lead, _("lead"), related_name="privacy_requests")
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FR
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    handled_by = staff_link(_("handled by"))
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    resolution = models.TextField(_("resolution notes"), blank=True)
    # What came with the request, as the person gave it (e.g. their observations), and
    # where it came from. Shown to staff as text, never as markup.
    details = models.JSONField(_("details"), default=dict, blank=True)
    # When the answer was e-mailed to the person (sent once).
    answer_sent_at = models.DateTimeField(_("answer sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "kind"],
                condition=Q(status__in=[s.value for s in OPEN_PRIVACY_STATUSES]),
                name="crm_privacy_request_one_open_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="crm_privacy_request_queue")]
        permissions = [
            ("export_personal_data", _("Can export a person's data (access, portability)")),
            ("erase_personal_data", _("Can erase a person (anonymisation)")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PRIVACY_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()


class PrivacyExport(TimeStampedModel):
    """The log of every export of a person's data: who, when, why, in which format.

    ``content`` keeps the export itself for the staff API to hand over
    (``GET /api/v1/privacy-requests/<id>/export/``) until the retention task empties it
    after ``CRM_RETENTION_EXPORT_DAYS`` (an erasure empties it at once); the log line
    stays.
    """

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    request = optional_link(PrivacyRequest, _("privacy request"), related_name="exports")
    contact = optional_link(Contact, _("contact"), related_name="privacy_exports")
    by = staff_link(_("exported by"))
    reason = models.TextField(_("why"))
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    content = models.JSONField(_("export"), null=True, blank=True, editable=False)
    content_removed_at = models.DateTimeField(_("export removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("export of personal data")
        verbose_name_plural = _("exports of personal data")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_format_display()} #{self.pk}"


class ErasedEmail(models.Model):
    """A keyed hash (HMAC-SHA256) of the normalized e-mail address of an erased person,
    so that an import cannot bring them back (``crm.selectors.email_is_erased``). The
    address itself is not kept; without the key the hash cannot be tested."""

    digest = models.CharField(_("keyed hash of the e-mail"), max_length=64, unique=True)
    erased_at = models.DateTimeField(_("erased"), default=timezone.now)

    class Meta:
        verbose_name = _("erased e-mail address")
        verbose_name_plural = _("erased e-mail addresses")

    def __str__(self):
        return self.digest[:12]
