"""The qualification app's entries in the lead page's timeline (``crm.timeline``): each
submission as it came in (channel, language, whether its answers are the lead's or were
only proposed, the prospect's own words) and what the rules made of it."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext

from crm.choices import Recommendation
from crm.timeline import Entry

from .models import Submission


def submission_entries(lead) -> Iterable[Entry]:
    submissions = (
        Submission.objects.filter(lead=lead)
        .exclude(status=Submission.Status.SPAM)
        .prefetch_related("classifications__ruleset")
        .order_by("-created_at")
    )
    for submission in submissions:
        adopted = (
            gettext("answers kept on the lead")
            if submission.answers_adopted
            else gettext("answers proposed to staff, not adopted")
        )
        results = [
            gettext("%(recommendation)s (rules version %(version)s)")
            % {
                "recommendation": Recommendation(c.recommendation).label
                if c.recommendation in Recommendation.values
                else c.recommendation,
                "version": c.ruleset.version,
            }
            for c in submission.classifications.all()
        ]
        lines = [adopted, *results]
        context = (submission.answers or {}).get("context")
        if isinstance(context, str) and context.strip():
            lines.append(gettext("In their words: %(text)s") % {"text": context})
        yield Entry(
            at=submission.created_at,
            kind="submission",
            title=gettext("Questionnaire received (%(channel)s, %(language)s)")
            % {
                "channel": submission.get_channel_display(),
                "language": submission.get_language_display(),
            },
            text="\n".join(lines),
        )
