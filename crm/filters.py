"""The staff API's lead filters (django-filter)."""

from datetime import datetime, time

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from . import selectors
from .models import FitGrade, Language, Lead, Recommendation, Stage


class LeadFilter(filters.FilterSet):
    recommendation = filters.ChoiceFilter(
        label=_("Recommendation in force"),
        choices=[*Recommendation.choices, (selectors.PENDING, _("Pending"))],
        method="filter_recommendation",
        help_text=_("The recommendation in force: the override's, else the computed one."),
    )
    stage = filters.ChoiceFilter(choices=Stage.choices)
    owner = filters.CharFilter(
        method="filter_owner",
        help_text=_("The owner's username; 'none' for leads nobody owns, 'me' for yours."),
    )
    needs_review = filters.BooleanFilter()
    fit_grade = filters.ChoiceFilter(choices=FitGrade.choices)
    created_after = filters.DateFilter(
        method="filter_created_after",
        help_text=_("Leads created on or after this day (ISO date, local time)."),
    )
    language = filters.ChoiceFilter(choices=Language.choices)
    overdue = filters.BooleanFilter(
        method="filter_overdue", help_text=_("Open leads whose next follow-up is past.")
    )

    class Meta:
        model = Lead
        fields = [
            "recommendation",
            "stage",
            "owner",
            "needs_review",
            "fit_grade",
            "created_after",
            "language",
            "overdue",
        ]

    def filter_recommendation(self, queryset, name, value):
        return queryset.filter(selectors.recommendation_in_force_q(value))

    def filter_owner(self, queryset, name, value):
        if value == "none":
            return queryset.filter(owner__isnull=True)
        if value == "me":
            return queryset.filter(owner=self.request.user)
        return queryset.filter(**{f"owner__{get_user_model().USERNAME_FIELD}": value})

    def filter_created_after(self, queryset, name, value):
        # Midnight local time, as a moment: the index on created_at stays usable.
        start = timezone.make_aware(datetime.combine(value, time.min))
        return queryset.filter(created_at__gte=start)

    def filter_overdue(self, queryset, name, value):
        overdue = selectors.overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
