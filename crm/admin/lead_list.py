"""The lead list: page sizes, a count that stops at a limit, and the columns staff read.

``LeadAdmin`` (``leads.py``) uses these; how its rows become HTML is ``fast_rows.py``.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..choices import CLARITY_HELP, clarity_text
from ..models import OPEN_STAGES, Recommendation

PAGE_SIZE_VAR = "page_size"
PAGE_SIZES = (25, 50, 100, 200, 500)


class CappedCountPaginator(Paginator):
    """Counts matching rows exactly up to a limit, and stops there.

    An exact ``COUNT(*)`` reads every matching row: on the unfiltered list it grows
    with the table, on every page load. Counting at most ``limit + 1`` rows
    (``CRM_LIST_COUNT_LIMIT``, 10,000 by default) costs the same at 10,000 or
    1,000,000 leads. Above the limit the list says "more than 10,000" and pages
    through the first 10,000; a filter or a search brings the count back to an exact
    figure, and the dashboard has the exact totals. (PostgreSQL's planner estimate
    would give a figure for any size, but not on SQLite, and not exactly.)
    """

    def __init__(self, *args, limit: int, **kwargs):
        self.limit = limit
        super().__init__(*args, **kwargs)

    @cached_property
    def _found(self) -> int:
        return self.object_list.order_by().values("pk")[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._found, self.limit)

    @property
    def is_capped(self) -> bool:
        """More rows match than were counted."""
        return self._found > self.limit


def page_size(request, default: int) -> int:
    """The page size asked for with ``?page_size=``, between 1 and the largest offered."""
    try:
        size = int(request.GET.get(PAGE_SIZE_VAR, default))
    except ValueError:
        return default
    return min(max(size, 1), max(PAGE_SIZES))


class LeadChangeList(ChangeList):
    """The admin's ChangeList with ``?page_size=`` (up to 500 leads a page).

    No positional argument of ChangeList is touched: it pages in ``get_results`` by its
    ``list_per_page``, so the size asked for is set there, and ``page_size`` is kept out
    of the filters. ``test_lead_list_pages_by_the_size_asked_for`` fails if Django pages
    elsewhere or reads its filters another way.
    """

    def get_results(self, request):
        self.list_per_page = page_size(request, default=self.list_per_page)
        super().get_results(request)
        self.page_size_links = [
            (
                size,
                self.get_query_string({PAGE_SIZE_VAR: size}, remove=["p"]),
                size == self.list_per_page,
            )
            for size in PAGE_SIZES
        ]

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(PAGE_SIZE_VAR, None)
        return lookup_params

    def get_queryset(self, request, exclude_parameters=None):
        # The list shows none of the big JSON columns: do not fetch and decode them.
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .defer("answers", "answers_display", "classification")
        )


def _badge_label(value: str) -> str:
    if value == selectors.PENDING:
        return gettext("Pending")
    return str(Recommendation(value).label)


def _in_force_expression():
    return Coalesce(NullIf(F("override_recommendation"), Value("")), F("recommendation"))


class LeadListColumns:
    """The lead list's computed columns (``LeadAdmin.list_display`` names them)."""

    @admin.display(description=_("lead"), ordering="contact__last_name")
    def lead_name(self, lead):
        return lead.contact.full_name or lead.contact.email

    @admin.display(description=_("company"), ordering="company__name")
    def company_name(self, lead):
        return lead.company.name

    @admin.display(description=_("recommendation"), ordering=_in_force_expression())
    def recommendation_badge(self, lead):
        """The recommendation in force; under it, how clear-cut the computed one is, or,
        when a person overrode it, that they did (the computed figure is about another
        recommendation then)."""
        in_force = lead.recommendation_in_force or selectors.PENDING
        overridden = bool(lead.override_recommendation)
        if overridden:
            second = format_html(
                '<span class="crm-second">✎ {}</span>', gettext("changed by a person")
            )
        elif lead.confidence is not None:
            second = format_html(
                '<span class="crm-second" title="{}">{}</span>',
                CLARITY_HELP,
                clarity_text(lead.confidence),
            )
        else:
            second = ""
        return format_html(
            '<span class="crm-badge crm-badge-{}">{}</span>{}{}',
            in_force,
            _badge_label(in_force),
            format_html(
                ' <span class="crm-alternative">{} {}</span>',
                gettext("or"),
                lead.get_alternative_display(),
            )
            if lead.alternative
            else "",
            second,
        )

    @admin.display(description=_("to review"), ordering="needs_review", empty_value="")
    def review_mark(self, lead):
        """A warning mark for a result that needs a person's review and has not had one;
        nothing otherwise."""
        if not (
            lead.needs_review and lead.reviewed_by_id is None and not lead.override_recommendation
        ):
            return ""
        return format_html(
            '<span class="crm-flag" title="{0}"><span aria-hidden="true">⚠</span>'
            '<span class="crm-visually-hidden">{0}</span></span>',
            gettext("Needs a person's review"),
        )

    @admin.display(description=_("fit"), ordering="fit_score")
    def fit_display(self, lead):
        if not lead.fit_grade:
            return "—"
        return format_html(
            '<span class="crm-grade crm-grade-{}" title="{}/100">{}</span>',
            lead.fit_grade,
            lead.fit_score,
            lead.fit_grade,
        )

    @admin.display(description=_("owner"), ordering=f"owner__{get_user_model().USERNAME_FIELD}")
    def owner_name(self, lead):
        """The owner's name as people say it (their username when it is not filled in)."""
        if lead.owner is None:
            return "—"
        return lead.owner.get_full_name() or lead.owner.get_username()

    @admin.display(description=_("next follow-up"), ordering="next_follow_up_at")
    def follow_up_display(self, lead):
        if lead.next_follow_up_at is None:
            return "—"
        when = timezone.localtime(lead.next_follow_up_at)
        # The date and the time may go on two lines: the column stays narrow.
        text = format_html(
            '<span class="crm-nowrap">{}</span> <span class="crm-nowrap">{}</span>',
            when.strftime("%Y-%m-%d"),
            when.strftime("%H:%M"),
        )
        if lead.stage in OPEN_STAGES and lead.next_follow_up_at < timezone.now():
            return format_html(
                '<span class="crm-overdue"><span aria-hidden="true">⚠ </span>{} {}</span>',
                text,
                format_html('<span class="crm-visually-hidden">({})</span>', gettext("overdue")),
            )
        return text
