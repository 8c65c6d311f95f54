"""Staff profiles, and the two pages each staff member has for themselves.

"Language of my e-mails" (their reminders' language) and "My API token" (when it
expires; rotate it, the new key shown once); "My calendar feed" is in ``calendar.py``.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token

from .. import selectors, services
from ..app_settings import app_settings
from ..authentication import token_expires_at, token_has_expired
from ..forms import StaffLanguageForm
from ..models import StaffProfile
from .calendar import CalendarFeedViews
from .extra_views import extra_view_urls


@admin.register(StaffProfile)
class StaffProfileAdmin(CalendarFeedViews, admin.ModelAdmin):
    list_display = ["user", "language", "follow_up_digest_sent_on"]
    list_select_related = ["user"]
    fields = ["user", "language", "follow_up_digest_sent_on"]
    readonly_fields = ["follow_up_digest_sent_on"]

    def get_urls(self):
        return [
            *extra_view_urls(
                self,
                ("mine/", self.my_language_view, "crm_staffprofile_mine"),
                ("api-token/", self.my_api_token_view, "crm_api_token"),
            ),
            *super().get_urls(),
        ]

    def my_language_view(self, request):
        """Any staff member chooses the language of their own e-mails."""
        if request.method == "POST":
            form = StaffLanguageForm(request.POST)
            if form.is_valid():
                services.staff_profile_set_language(
                    user=request.user, language=form.cleaned_data["language"]
                )
                self.message_user(request, gettext("Your e-mail language is saved."))
                return HttpResponseRedirect(reverse("admin:index"))
        else:
            form = StaffLanguageForm(initial={"language": selectors.staff_language(request.user)})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Language of my e-mails"),
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/crm/staffprofile/mine.html", context)

    def my_api_token_view(self, request):
        """A staff member sees when their API token expires and rotates it (shown once)."""
        if not services.api_token_allowed(user=request.user):
            raise PermissionDenied
        new_key = None
        if request.method == "POST":
            token = services.api_token_rotate(user=request.user)
            new_key = token.key
        token = Token.objects.filter(user=request.user).first()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("My API token"),
            "opts": self.opts,
            "token": token,
            "new_key": new_key,
            "expires_at": token_expires_at(token) if token else None,
            "expired": token_has_expired(token) if token else False,
            "max_age_days": app_settings.API_TOKEN_MAX_AGE_DAYS,
        }
        return TemplateResponse(request, "admin/crm/staffprofile/api_token.html", context)
