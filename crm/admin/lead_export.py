"""The CSV export of a selection of leads: streamed, formula-free, in local time."""

from __future__ import annotations

from datetime import datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

from ..csv_safety import SafeCsvWriter


def leads_csv_response(leads) -> StreamingHttpResponse:
    """A download of ``leads`` (a queryset), one row a lead, named after the local time."""
    rows = _csv_rows(leads.select_related("contact", "company", "owner"))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
    return response


def _local_iso(moment: datetime | None) -> str:
    """A time as the admin shows it: in the practice's time zone, ISO 8601 with its offset."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _csv_rows(leads):
    """The CSV export, streamed one row at a time (a selection may be every lead).

    Every cell goes through ``SafeCsvWriter`` (no formulas) and every time is local.
    """

    class Echo:
        def write(self, value):
            return value

    writer = SafeCsvWriter(Echo())
    yield "\ufeff"  # lets spreadsheet programs read the accents as UTF-8
    yield writer.writerow(
        [
            "id",
            "created_at",
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "company",
            "website",
            "language",
            "stage",
            "owner",
            "recommendation",
            "computed_recommendation",
            "alternative",
            "confidence",
            "fit_score",
            "fit_grade",
            "needs_review",
            "next_follow_up_at",
            "source",
            "utm_source",
            "utm_medium",
            "utm_campaign",
        ]
    )
    for lead in leads.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                lead.pk,
                _local_iso(lead.created_at),
                lead.contact.first_name,
                lead.contact.last_name,
                lead.contact.email,
                lead.contact.phone,
                lead.contact.job_title,
                lead.company.name,
                lead.company.website,
                lead.language,
                lead.stage,
                lead.owner.get_username() if lead.owner_id else "",
                lead.recommendation_in_force,
                lead.recommendation,
                lead.alternative,
                "" if lead.confidence is None else lead.confidence,
                "" if lead.fit_score is None else lead.fit_score,
                lead.fit_grade,
                "yes" if lead.needs_review else "no",
                _local_iso(lead.next_follow_up_at),
                lead.source,
                lead.utm_source,
                lead.utm_medium,
                lead.utm_campaign,
            ]
        )
