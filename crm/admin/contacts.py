"""Contacts: the people behind the leads, with their leads and consents alongside.

Contacts come with their questionnaire, so nobody adds one by hand; edits go through
``crm.services.contact_update``.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Consent, Contact, Lead


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ContactLeadInline(ReadOnlyInline):
    model = Lead
    fk_name = "contact"
    fields = ["stage", "recommendation", "override_recommendation", "owner", "created_at"]
    readonly_fields = fields
    verbose_name_plural = _("leads")


class ContactConsentInline(ReadOnlyInline):
    model = Consent
    fields = ["purpose", "granted", "confirmed_at", "wording_version", "language", "created_at"]
    readonly_fields = fields
    # Each consent's evidence page, one link a row: the list also scrolls sideways on a
    # phone, and a scrolling region must hold something the keyboard can reach (WCAG 2.1.1).


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "company", "language", "created_at"]
    list_select_related = ["company"]
    list_filter = ["language"]
    search_fields = ["email", "first_name", "last_name", "company__name"]
    fields = ["email", "first_name", "last_name", "phone", "job_title", "language", "company"]
    readonly_fields = ["company"]
    inlines = [ContactLeadInline, ContactConsentInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        # Contacts come with their questionnaire (see LeadAdmin.has_add_permission).
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        details = ("first_name", "last_name", "phone", "job_title", "language")
        services.contact_update(
            contact=obj, email=data["email"], **{name: data[name] for name in details}
        )
