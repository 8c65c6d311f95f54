"""The review queue page (``crm.selectors_review``): leads whose result waits for a
person's review, and the prospects' requests for one, on one page; each lead can be
marked reviewed from its row (the lead page's own button, brought back here)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext

from ..selectors_review import review_queue
from .extra_views import extra_view_urls


class LeadReviewQueueViews:
    """``LeadAdmin``'s ``review-queue/`` page (``get_urls`` adds it)."""

    def get_urls(self):
        return [
            *extra_view_urls(
                self, ("review-queue/", self.review_queue_view, "crm_lead_review_queue")
            ),
            *super().get_urls(),
        ]

    def review_queue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Review queue"),
            "opts": self.opts,
            "queue": review_queue(now=now),
            "now": now,
            "can_review": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/crm/lead/review_queue.html", context)
