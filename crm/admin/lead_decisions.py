"""The two decisions staff take from a lead page, each on its own URL.

"Mark reviewed" (a person agrees with the computed recommendation) and the proposed
changes page (accept or reject, field by field, what a later post gave differently).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from .. import selectors, services
from ..forms import ProposedChangesForm
from .extra_views import extra_view_urls, lead_page_context


class LeadDecisionViews:
    """The lead page's two extra views, with their URLs (``get_urls`` adds them)."""

    def get_urls(self):
        return [
            *extra_view_urls(
                self,
                ("<path:object_id>/review/", self.review_view, "crm_lead_review"),
                (
                    "<path:object_id>/proposed-changes/",
                    self.proposed_changes_view,
                    "crm_lead_proposed_changes",
                ),
            ),
            *super().get_urls(),
        ]

    def proposed_changes_view(self, request, object_id):
        """Accept or reject, field by field, what a later post gave differently."""
        lead = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, lead):
            raise PermissionDenied
        changes = selectors.lead_pending_changes(lead_id=lead.pk)
        form = ProposedChangesForm(request.POST or None, changes=changes)
        if request.method == "POST" and form.is_valid():
            try:
                accepted, rejected = services.proposed_changes_decide(
                    lead=lead, accept=form.accepted(), reject=form.rejected(), by=request.user
                )
            except (PermissionDenied, ValidationError) as refusal:
                message = getattr(refusal, "messages", None) or [str(refusal)]
                self.message_user(request, " ".join(message), messages.ERROR)
                return HttpResponseRedirect(request.path)
            self.message_user(
                request,
                gettext("%(accepted)d change(s) accepted, %(rejected)d rejected.")
                % {"accepted": accepted, "rejected": rejected},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:crm_lead_change", args=[lead.pk]))
        language = translation.get_language()
        context = lead_page_context(
            self,
            request,
            lead,
            gettext("Proposed changes for %(lead)s"),
            form=form,
            items=[
                (
                    change,
                    form[form.field_name(change)],
                    selectors.proposed_change_rows(change, language),
                )
                for change in changes
            ],
        )
        return TemplateResponse(request, "admin/crm/lead/proposed_changes.html", context)

    def review_view(self, request, object_id):
        """The "mark reviewed" button: a person agrees with the computed recommendation."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:crm_lead_change", args=[object_id]))
        lead = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, lead):
            raise PermissionDenied
        if not lead.classification:
            self.message_user(
                request,
                gettext("There is no computed recommendation to review yet."),
                messages.ERROR,
            )
        else:
            services.lead_mark_reviewed(lead=lead, by=request.user)
            self.message_user(request, gettext("Marked as reviewed by you."), messages.SUCCESS)
        # Back where the button was: the lead page, or the review queue.
        queue = reverse("admin:crm_lead_review_queue")
        if request.POST.get("next") == queue:
            return HttpResponseRedirect(queue)
        return HttpResponseRedirect(reverse("admin:crm_lead_change", args=[lead.pk]))
