"""What a later post for a known address gave differently, kept for staff to accept or
reject field by field (issue 10). Imported by ``crm.models``; it imports the models above."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ProposedChangeField
from .models import Lead, TimeStampedModel, staff_link


class ProposedChange(TimeStampedModel):
    """A detail that a later post gave differently from what is stored, for staff to judge.

    A post proves nothing about who sent it: for a person already known it never
    replaces what they gave before. Each difference is kept here, field by field, until
    a staff member accepts it (then it is applied) or rejects it. A newer proposal for
    the same field replaces a pending one.
    """

    Field = ProposedChangeField

    class Status(models.TextChoices):
        PENDING = "pending", _("To decide")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Replaced by a newer proposal")

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="proposed_changes"
    )
    field = models.CharField(_("field"), max_length=30, choices=Field.choices)
    current = models.JSONField(_("value when proposed"), null=True, blank=True)
    proposed = models.JSONField(_("proposed value"))
    # Where it came from, e.g. "submission 6f1c…" (its public id): the crm does not know
    # the apps that propose changes.
    reference = models.CharField(_("from"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = staff_link(_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        ordering = ["lead", "field", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "field"],
                condition=Q(status="pending"),
                name="crm_proposed_change_one_pending_per_field",
            ),
        ]

    def __str__(self):
        return f"{self.get_field_display()}: {self.get_status_display()}"
