"""The pipeline board: the open leads by stage, as cards that staff move along.

One column per open stage (its count and the first ``CRM_BOARD_CARDS_PER_COLUMN``
cards, then a link to the lead list filtered by that stage) and a drop target for each
closed stage. A card moves through ``crm.services.lead_move_stage``, whatever moves it:

- each card's own form (a list of stages and a "Move" button): it works without
  JavaScript, with a keyboard and a screen reader; it posts to ``board/move/``, which
  redirects back to the board with its filters;
- drag and drop (``crm/static/crm/board.js``), which submits the same form with
  ``fetch`` and moves the card in place, saying what happened in a live region.

Marking a lead lost asks for the reason: a page of its own without JavaScript, a dialog
with it; the service refuses a move to "lost" without one either way. Moving needs the
permission to change leads (Sales and Reviewer), seeing the board the permission to see
them. The board's filters are the lead list's own (``lead_filters.py`` for "mine" and
the recommendation in force, the list's field filters for fit, review and source), with
the same names in the address, so that "more" opens the list as filtered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import selectors, services
from ..app_settings import app_settings
from ..models import CLOSED_STAGES, OPEN_STAGES, FitGrade, Lead, LeadSource, Recommendation, Stage
from ..selectors_board import board_columns
from .extra_views import extra_view_urls
from .lead_filters import MineFilter, RecommendationInForceFilter


@dataclass
class BoardFilter:
    """One of the board's filters: its address parameter, choices and current value."""

    param: str
    title: str
    choices: list[tuple[str, str]]
    value: str
    apply: Callable


def _field_filter(params, name: str, choices) -> BoardFilter:
    param = f"{name}__exact"
    choices = [(str(value), str(label)) for value, label in choices]
    value = params.get(param, "")
    if value not in dict(choices):
        value = ""

    def apply(queryset):
        if not value:
            return queryset
        stored = value == "1" if name == "needs_review" else value
        return queryset.filter(**{name: stored})

    title = str(Lead._meta.get_field(name).verbose_name)
    return BoardFilter(param, title, choices, value, apply)


def _list_filter(request, params, model_admin, filter_class) -> BoardFilter:
    param = filter_class.parameter_name
    value = params.get(param, "")
    list_filter = filter_class(request, {param: [value]} if value else {}, Lead, model_admin)
    choices = [(str(v), str(label)) for v, label in list_filter.lookup_choices]
    if value not in dict(choices):
        value = ""
        list_filter = filter_class(request, {}, Lead, model_admin)
    return BoardFilter(
        param,
        str(filter_class.title),
        choices,
        value,
        lambda queryset: list_filter.queryset(request, queryset),
    )


def board_filters(request, model_admin, params: QueryDict | None = None) -> list[BoardFilter]:
    """The lead list's filters that the board offers, read from ``params`` (by default
    ``request.GET``); a value that is not one of a filter's choices is ignored."""
    params = request.GET if params is None else params
    return [
        _list_filter(request, params, model_admin, MineFilter),
        _list_filter(request, params, model_admin, RecommendationInForceFilter),
        _field_filter(params, "fit_grade", FitGrade.choices),
        _field_filter(params, "needs_review", [("1", _("Yes")), ("0", _("No"))]),
        _field_filter(params, "source", LeadSource.choices),
    ]


def filter_query(filters: list[BoardFilter], **extra: str) -> str:
    """The filters in force (and ``extra``) as an address's query string, without ``?``."""
    return urlencode([*((f.param, f.value) for f in filters if f.value), *extra.items()])


class BoardMoveForm(forms.Form):
    lead = forms.IntegerField(min_value=1)
    stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    reason = forms.CharField(
        label=_("Why was this lead lost?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )
    next = forms.CharField(required=False, max_length=2000)


def _card(lead: Lead, now) -> dict:
    in_force = lead.recommendation_in_force
    return {
        "lead": lead,
        "name": lead.contact.full_name or lead.contact.email,
        "badge": in_force or selectors.PENDING,
        "badge_label": Recommendation(in_force).label if in_force else _("Pending"),
        "overridden": bool(lead.override_recommendation),
        "overdue": lead.next_follow_up_at is not None and lead.next_follow_up_at < now,
    }


class LeadBoardViews:
    """The board and its move endpoint, as extra views of ``LeadAdmin``."""

    def get_urls(self):
        return [
            *extra_view_urls(
                self,
                ("board/", self.board_view, "crm_lead_board"),
                ("board/move/", self.board_move_view, "crm_lead_board_move"),
            ),
            *super().get_urls(),
        ]

    def _board_url(self, query: str = "", anchor: str = "") -> str:
        url = reverse("admin:crm_lead_board", current_app=self.admin_site.name)
        return url + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")

    def board_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        filters = board_filters(request, self)
        leads = self.get_queryset(request)
        for board_filter in filters:
            leads = board_filter.apply(leads)
        now = timezone.now()
        query = filter_query(filters)
        list_url = reverse("admin:crm_lead_changelist", current_app=self.admin_site.name)
        columns = board_columns(leads, per_column=app_settings.BOARD_CARDS_PER_COLUMN)
        for column in columns:
            column.card_views = [_card(lead, now) for lead in column.cards]
            column.list_url = f"{list_url}?{filter_query(filters, stage__exact=column.stage)}"
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Pipeline board"),
            "opts": self.opts,
            "columns": columns,
            "closed_stages": [(stage.value, stage.label) for stage in CLOSED_STAGES],
            "stages": Stage.choices,
            "filters": filters,
            "query": query,
            "can_move": self.has_change_permission(request),
            "per_column": app_settings.BOARD_CARDS_PER_COLUMN,
            "list_url": f"{list_url}?{query}" if query else list_url,
        }
        return TemplateResponse(request, "admin/crm/lead/board.html", context)

    def board_move_view(self, request):
        """Move one card: a form post (redirects back to the board) or a ``fetch`` that
        asks for JSON (answers what happened, or a field-level error with status 400)."""
        wants_json = "application/json" in request.headers.get("Accept", "")
        if request.method != "POST":
            return HttpResponseRedirect(self._board_url())
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BoardMoveForm(request.POST)
        if not form.is_valid():
            return self._move_refused(request, form, wants_json, gettext("This move is not valid."))
        data = form.cleaned_data
        query = self._kept_query(request, data["next"])
        lead = get_object_or_404(self.get_queryset(request), pk=data["lead"])
        name = lead.contact.full_name or lead.contact.email
        stage, reason = data["stage"], data["reason"].strip()
        if stage == Stage.LOST and lead.stage != Stage.LOST and not reason:
            problem = services.lead_stage_change_problem(lead=lead, stage=stage, reason=reason)
            if wants_json:
                refusal = {"ok": False, "error": problem, "needs_reason": True}
                return JsonResponse(refusal, status=400)
            return self._lost_reason_page(request, lead, name, query, form, problem)
        previous = lead.stage
        try:
            services.lead_move_stage(lead=lead, stage=stage, by=request.user, reason=reason)
        except ValueError as refused:
            return self._move_refused(request, form, wants_json, str(refused), query=query)
        label = str(Stage(stage).label)
        if previous == stage:
            message = gettext("%(name)s is already at the stage %(stage)s.")
        else:
            message = gettext("%(name)s moved to %(stage)s.")
        message %= {"name": name, "stage": label}
        if wants_json:
            return JsonResponse(
                {
                    "ok": True,
                    "message": message,
                    "lead": lead.pk,
                    "from": previous,
                    "stage": stage,
                    "open": stage in OPEN_STAGES,
                }
            )
        self.message_user(request, message, messages.SUCCESS)
        anchor = f"crm-card-{lead.pk}" if stage in OPEN_STAGES else ""
        return HttpResponseRedirect(self._board_url(query, anchor))

    def _kept_query(self, request, sent: str) -> str:
        """The board's filters from the form's ``next`` (never another address)."""
        return filter_query(board_filters(request, self, QueryDict(sent or "")))

    def _move_refused(self, request, form, wants_json, message, *, query=""):
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        if wants_json:
            return JsonResponse({"ok": False, "error": message, "errors": errors}, status=400)
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(self._board_url(query))

    def _lost_reason_page(self, request, lead, name, query, form, problem):
        """Without JavaScript, marking a lead lost from the board asks the reason here."""
        asked = "confirm" in request.POST  # the reason page itself was sent empty
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Why was %(name)s lost?") % {"name": name},
            "opts": self.opts,
            "lead": lead,
            "name": name,
            "form": form,
            "error": problem if asked else "",
            "query": query,
            "board_url": self._board_url(query),
        }
        return TemplateResponse(
            request, "admin/crm/lead/board_lost_reason.html", context, status=400 if asked else 200
        )
