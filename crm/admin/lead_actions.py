"""The lead list's actions: assign to me, move to a stage, mark lost, re-classify, export.

Each writes through ``crm.services``, one lead at a time in its own transaction, so a
lead that cannot move is reported and skipped without undoing the others.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import IntegrityError, transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import services
from ..forms import MarkLostForm, MoveStageForm
from ..models import Stage
from .lead_export import leads_csv_response


def _apply_each(modeladmin, request, queryset, change, done_message):
    """Run ``change(lead)`` on each selected lead; one that cannot is skipped, not fatal."""
    done, problems = 0, []
    for lead in queryset.select_related("contact", "company", "owner"):
        try:
            with transaction.atomic():
                change(lead)
        except (ValueError, IntegrityError) as error:
            problems.append(f"{lead}: {error}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)
    for problem in problems[:10]:
        modeladmin.message_user(request, problem, messages.WARNING)


@admin.action(description=_("Assign to me"), permissions=["change"])
def assign_to_me(modeladmin, request, queryset):
    _apply_each(
        modeladmin,
        request,
        queryset,
        lambda lead: services.lead_assign(lead=lead, owner=request.user, by=request.user),
        lambda n: (
            ngettext("%(n)d lead assigned to you.", "%(n)d leads assigned to you.", n) % {"n": n}
        ),
    )


@admin.action(description=_("Move to a stage…"), permissions=["change"])
def move_to_stage(modeladmin, request, queryset):
    form = MoveStageForm.for_request(request)
    if form.is_bound and form.is_valid():
        stage = form.cleaned_data["stage"]
        _apply_each(
            modeladmin,
            request,
            queryset,
            lambda lead: services.lead_move_stage(
                lead=lead, stage=stage, by=request.user, reason=form.cleaned_data["reason"]
            ),
            lambda n: (
                ngettext("%(n)d lead moved to %(stage)s.", "%(n)d leads moved to %(stage)s.", n)
                % {"n": n, "stage": Stage(stage).label}
            ),
        )
        return None
    return _intermediate_page(
        modeladmin, request, queryset, form, _("Move leads to a stage"), _("Move")
    )


@admin.action(description=_("Mark lost…"), permissions=["change"])
def mark_lost(modeladmin, request, queryset):
    form = MarkLostForm.for_request(request)
    if form.is_bound and form.is_valid():
        _apply_each(
            modeladmin,
            request,
            queryset,
            lambda lead: services.lead_move_stage(
                lead=lead, stage=Stage.LOST, by=request.user, reason=form.cleaned_data["reason"]
            ),
            lambda n: ngettext("%(n)d lead marked lost.", "%(n)d leads marked lost.", n) % {"n": n},
        )
        return None
    return _intermediate_page(
        modeladmin, request, queryset, form, _("Mark leads lost"), _("Mark lost")
    )


def _intermediate_page(modeladmin, request, queryset, form, title, button):
    count = queryset.count()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "button": button,
        "form": form,
        "opts": modeladmin.opts,
        "count": count,
        "leads": queryset.select_related("contact", "company")[:20],
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/crm/lead/action_form.html", context)


@admin.action(description=_("Re-classify with the current rules"), permissions=["change"])
def request_reclassification(modeladmin, request, queryset):
    ids = list(queryset.values_list("pk", flat=True))
    services.lead_request_reclassification(lead_ids=ids, requested_by=request.user)
    modeladmin.message_user(
        request,
        ngettext(
            "Re-classification requested for %(n)d lead.",
            "Re-classification requested for %(n)d leads.",
            len(ids),
        )
        % {"n": len(ids)},
        messages.SUCCESS,
    )


@admin.action(description=_("Export the selection as CSV"), permissions=["view"])
def export_csv(modeladmin, request, queryset):
    return leads_csv_response(queryset)
