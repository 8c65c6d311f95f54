"""E-mail templates the practice writes in the admin, for staff to send from a lead page.

Imported by ``crm.models``; nothing here imports it back.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Language


class EmailTemplate(models.Model):
    """A message staff send from a lead page ("book a call", "proposal sent"), per language.

    Its subject and body may name the lead's fields between braces (``{first_name}``,
    ``{company}``...: ``crm.services.emails.PLACEHOLDERS`` lists them); anything else
    between braces stays as it is. A *marketing* template is refused for a lead
    without a marketing consent in force (CASL); a one-to-one reply is not.
    """

    class Purpose(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One-to-one reply about their request")
        MARKETING = "marketing", _("Marketing (needs their marketing consent)")

    name = models.CharField(_("name"), max_length=100)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    purpose = models.CharField(
        _("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.ONE_TO_ONE
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    is_active = models.BooleanField(_("offered to staff"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="crm_email_template_unique")
        ]

    def __str__(self):
        return f"{self.name} ({self.get_language_display()})"
