"""The lead list's filters: recommendation in force, confidence, owner, mine, follow-ups.

Where the dashboard or the staff API select the same leads (the recommendation in
force, overdue follow-ups, the end of the day), the condition comes from
``crm.selectors``, so they all count alike.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..choices import CLEAR_AT_LEAST, LEANING_AT_LEAST
from ..models import Recommendation
from ..selectors_review import to_review_q


class RecommendationInForceFilter(admin.SimpleListFilter):
    title = _("recommendation")
    parameter_name = "recommendation"

    def lookups(self, request, model_admin):
        return [*Recommendation.choices, (selectors.PENDING, _("Pending"))]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(selectors.recommendation_in_force_q(self.value()))
        return queryset


class OwnerFilter(admin.SimpleListFilter):
    title = _("owner")
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("none", _("Nobody")), *((str(u.pk), str(u)) for u in selectors.staff_users())]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(owner__isnull=True)
        if self.value():
            return queryset.filter(owner_id=self.value())
        return queryset


class CommonValuesFilter(admin.SimpleListFilter):
    """A text column's most frequent values as choices (prospects and partner sites type
    them: never every distinct value, each shortened for the sidebar); any value in the
    URL filters, so a dashboard link to a rarer campaign works too."""

    field = ""

    def lookups(self, request, model_admin):
        return [
            (value, value if len(value) <= 40 else value[:39] + "…")
            for value in selectors.common_values(self.field)
        ]

    def queryset(self, request, queryset):
        if self.value() is not None:
            return queryset.filter(**{self.field: self.value()})
        return queryset


class UtmSourceFilter(CommonValuesFilter):
    title = _("UTM source")
    parameter_name = field = "utm_source"


class UtmCampaignFilter(CommonValuesFilter):
    title = _("UTM campaign")
    parameter_name = field = "utm_campaign"


class ConditionFilter(admin.SimpleListFilter):
    """A filter whose every choice is a label beside the condition it selects by."""

    def conditions(self, request) -> dict[str, tuple[str, Q]]:
        """``{value: (label, condition)}``, in the order the choices are shown."""
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _q) in self.conditions(request).items()]

    def queryset(self, request, queryset):
        conditions = self.conditions(request)
        if self.value() in conditions:
            return queryset.filter(conditions[self.value()][1])
        return queryset


class ConfidenceFilter(ConditionFilter):
    title = _("clarity of the answers")
    parameter_name = "confidence"

    def conditions(self, request):
        return {
            "high": (_("Clear-cut (75 % and more)"), Q(confidence__gte=CLEAR_AT_LEAST)),
            "medium": (
                _("Leaning (50 to 75 %)"),
                Q(confidence__gte=LEANING_AT_LEAST, confidence__lt=CLEAR_AT_LEAST),
            ),
            "low": (_("Uncertain (under 50 %)"), Q(confidence__lt=LEANING_AT_LEAST)),
        }


class ToReviewFilter(ConditionFilter):
    """Results waiting for a person's review (``crm.selectors_review``: the review queue)."""

    title = _("review")
    parameter_name = "to_review"

    def conditions(self, request):
        return {"1": (_("To review by a person"), to_review_q())}


class MineFilter(ConditionFilter):
    title = _("my leads")
    parameter_name = "mine"

    def conditions(self, request):
        return {"1": (_("Only mine"), Q(owner=request.user))}


class OverdueFilter(ConditionFilter):
    title = _("late follow-ups")
    parameter_name = "overdue"

    def conditions(self, request):
        return {"1": (_("Only overdue"), selectors.overdue_q(timezone.now()))}


class NextFollowUpFilter(ConditionFilter):
    title = _("next follow-up")
    parameter_name = "follow_up"

    def conditions(self, request):
        end_of_today = selectors.end_of_day(timezone.now())
        start_of_today = end_of_today - timedelta(days=1)
        in_a_week = start_of_today + timedelta(days=7)
        return {
            "today": (
                _("Today"),
                Q(next_follow_up_at__gte=start_of_today, next_follow_up_at__lt=end_of_today),
            ),
            "week": (
                _("Next 7 days"),
                Q(next_follow_up_at__gte=start_of_today, next_follow_up_at__lt=in_a_week),
            ),
            "later": (_("Later"), Q(next_follow_up_at__gte=in_a_week)),
            "none": (_("None planned"), Q(next_follow_up_at__isnull=True)),
        }
