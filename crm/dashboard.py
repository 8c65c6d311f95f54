"""The admin index's dashboard: figures from the selectors, charts drawn as inline SVG.

The charts are computed here (bar lengths, positions) and drawn by a template, so the
page needs no JavaScript library and no CDN: it works offline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import OPEN_STAGES, LeadSource, Recommendation, Stage
from .selectors_review import review_queue


def bar_chart(rows: list[tuple[str, int, str, str]], *, width: int = 560, bar: int = 22) -> dict:
    """Horizontal bars: ``rows`` of (label, value, link, css class), longest = full width.

    Every coordinate is a whole number, so that no locale formats it with a comma.
    """
    label_width, gap, value_width = 150, 8, 60
    room = width - label_width - value_width
    top = max((value for _label, value, _url, _css in rows), default=0) or 1
    bars = []
    for i, (label, value, url, css) in enumerate(rows):
        length = round(room * value / top)
        y = i * (bar + gap)
        bars.append(
            {
                "label": label,
                "value": value,
                "url": url,
                "css": css,
                "x": label_width,
                "y": y,
                "width": length,
                "height": bar,
                "text_y": y + round(bar * 0.7),
                "value_x": label_width + length + 6,
            }
        )
    return {
        "bars": bars,
        "width": width,
        "height": max(len(rows) * (bar + gap) - gap, 1),
        "label_x": label_width - 8,
    }


def column_chart(rows: list[tuple[str, int]], *, width: int = 560, height: int = 160) -> dict:
    """Vertical columns: ``rows`` of (label, value), the highest = full height."""
    axis, gap = 20, 10
    top = max((value for _label, value in rows), default=0) or 1
    step = width // max(len(rows), 1)
    columns = []
    for i, (label, value) in enumerate(rows):
        column_height = round((height - axis - 16) * value / top)
        y = height - axis - column_height
        columns.append(
            {
                "label": label,
                "value": value,
                "x": i * step + gap // 2,
                "width": step - gap,
                "y": y,
                "height": column_height,
                "center": i * step + step // 2,
                "value_y": y - 4,
            }
        )
    return {
        "columns": columns,
        "width": width,
        "height": height,
        "axis_y": height - axis,
        "label_y": height - 4,
    }


def _changelist(**params: Any) -> str:
    url = reverse("admin:crm_lead_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def dashboard_context(*, user, now: datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard template shows, for ``user``."""
    now = now or timezone.now()
    summary = selectors.pipeline_summary(now=now)
    stage_rows = [
        (Stage(stage).label, count, _changelist(stage__exact=stage), f"stage-{stage}")
        for stage, count in summary["by_stage"].items()
    ]
    recommendation_labels = {**dict(Recommendation.choices), selectors.PENDING: _("Pending")}
    recommendation_rows = [
        (
            recommendation_labels.get(key, key),
            count,
            _changelist(recommendation=key),
            f"recommendation-{key}",
        )
        for key, count in summary["by_recommendation"].items()
    ]
    conversion = [
        {
            "label": recommendation_labels.get(key, key),
            "key": key,
            **figures,
            "percent": None if figures["rate"] is None else round(figures["rate"] * 100, 1),
        }
        for key, figures in summary["conversion"].items()
    ]
    sources = [
        {
            **row,
            "source_label": LeadSource(row["source"]).label
            if row["source"] in LeadSource.values
            else row["source"],
            "url": _changelist(
                source__exact=row["source"],
                utm_source=row["utm_source"],
                utm_campaign=row["utm_campaign"],
            ),
            "fit": None if row["fit"] is None else round(row["fit"]),
            "percent": None if row["rate"] is None else round(row["rate"] * 100, 1),
        }
        for row in selectors.leads_by_source(limit=10)
    ]
    reviews = review_queue(now=now, limit=0)
    overdue, overdue_total = selectors.overdue_follow_ups(now=now, limit=10)
    _mine, my_overdue_total = selectors.overdue_follow_ups(now=now, owner=user, limit=0)
    weekly = [(start.strftime("%d/%m"), count) for start, count in summary["weekly"]]
    return {
        "summary": summary,
        "open_leads": sum(summary["by_stage"][stage] for stage in OPEN_STAGES),
        "total_leads": sum(summary["by_stage"].values()),
        "stage_chart": bar_chart(stage_rows),
        "recommendation_chart": bar_chart(recommendation_rows),
        "weekly_chart": column_chart(weekly),
        "conversion": conversion,
        "sources": sources,
        "reviews": reviews,
        "review_queue_url": reverse("admin:crm_lead_review_queue"),
        "overdue": overdue,
        "overdue_total": overdue_total,
        "my_overdue_total": my_overdue_total,
        "overdue_url": _changelist(overdue=1),
        "my_overdue_url": _changelist(overdue=1, mine=1),
        "new_this_week_url": _changelist(**{"created_at__gte": _week_start(now)}),
        "email_language": selectors.staff_language(user),
        # Privacy requests past their due date (Law 25: 30 days; CASL: 10 business days).
        "privacy_overdue_total": selectors.overdue_privacy_requests(now=now).count(),
        "privacy_overdue_url": reverse("admin:crm_privacyrequest_changelist") + "?overdue=1",
    }


def _week_start(now: datetime) -> str:
    """Monday 00:00 local time, as the admin's date filters write it."""
    local = timezone.localtime(now)
    monday = local - timedelta(days=local.weekday())
    return str(monday.replace(hour=0, minute=0, second=0, microsecond=0))
