"""The register of confidentiality incidents (Law 25, s. 3.8 of the private-sector Act;
*Règlement sur les incidents de confidentialité*, CQLR c P-39.1, r. 3.1, s. 11).

Section 11 lists what the register holds for each incident, one field here each:

1. the personal information concerned, or why it cannot be described;
2. a brief description of the circumstances;
3. the date or period of the incident (approximate when not known);
4. the date or period when the business learned of it;
5. the number of people concerned (approximate when not known);
6. the assessment of the risk of serious injury (sensitivity, possible misuses,
   consequences, likelihood);
7. when there is such a risk, the dates the notices were sent to the Commission d'accès
   à l'information and to the people, and whether public notices were given and why;
8. a brief description of the measures taken to reduce the risk of injury.

It is kept at least five years after the date or period when the business learned of
the incident (same s. 11): the admin refuses to delete one before, and the retention
task never touches the register before ``CRM_RETENTION_INCIDENT_YEARS`` (at least 5).
Describe the incident, not the people: no names or addresses here.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import TimeStampedModel, staff_link

#: The regulation's minimum: five years after the business learned of the incident.
MINIMUM_YEARS_KEPT = 5


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29
        return day.replace(year=day.year + years, day=28)


class ConfidentialityIncident(TimeStampedModel):
    information_concerned = models.TextField(
        _("personal information concerned"),
        help_text=_("Or, when it cannot be described, why."),
    )
    circumstances = models.TextField(_("circumstances"))
    occurred_from = models.DateField(_("incident: from"))
    occurred_to = models.DateField(_("incident: to"), null=True, blank=True)
    occurred_approximate = models.BooleanField(_("the incident's dates are approximate"))
    discovered_from = models.DateField(_("learned of it: from"))
    discovered_to = models.DateField(_("learned of it: to"), null=True, blank=True)
    people_count = models.PositiveIntegerField(_("number of people concerned"))
    people_count_approximate = models.BooleanField(_("the number is approximate"))
    risk_assessment = models.TextField(
        _("assessment of the risk of serious injury"),
        help_text=_(
            "The sensitivity of the information, its possible misuses, the expected "
            "consequences and their likelihood."
        ),
    )
    serious_injury_risk = models.BooleanField(_("risk of serious injury"))
    commission_notified_on = models.DateField(
        _("notice to the Commission sent on"), null=True, blank=True
    )
    people_notified_on = models.DateField(_("notice to the people sent on"), null=True, blank=True)
    public_notice = models.TextField(
        _("public notice"), blank=True, help_text=_("Whether one was given, and why.")
    )
    measures = models.TextField(_("measures taken to reduce the risk of injury"))
    recorded_by = staff_link(_("recorded by"))

    class Meta:
        verbose_name = _("confidentiality incident")
        verbose_name_plural = _("confidentiality incidents")
        ordering = ["-discovered_from", "-id"]

    def __str__(self):
        return f"#{self.pk} ({self.discovered_from:%Y-%m-%d})"

    @property
    def kept_until(self) -> date:
        """The first day the regulation no longer asks to keep it."""
        return years_after(self.discovered_to or self.discovered_from, MINIMUM_YEARS_KEPT)
