"""Companies: the prospects' organizations, renamed or given a site by staff.

They come with the questionnaire, like contacts; edits go through
``crm.services.company_update``.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from .. import services
from ..models import Company


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "website", "created_at"]
    # Prospects' sites are https nowadays; it is also Django 6's default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["name"]
    fields = ["name", "website"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.company_update(
            company=obj, name=form.cleaned_data["name"], website=form.cleaned_data["website"]
        )
