"""Activities (notes, calls, e-mails, meetings) on their own list: what is due, by whom.

On the lead page they are an inline (``lead_page.ActivityInline``); both write through
``crm.services``.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Activity
from .lead_filters import MineFilter
from .widgets import LABELLED_DATETIME


class ActivityStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("To do")), ("overdue", _("Overdue")), ("done", _("Done"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(done_at__isnull=True, due_at__lt=timezone.now())
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "lead", "due_at", "done_at", "owner", "created_at"]
    list_filter = ["kind", ActivityStateFilter, MineFilter, "due_at"]
    list_select_related = ["lead__contact", "lead__company", "owner"]
    search_fields = ["body", "lead__contact__email", "lead__company__name"]
    autocomplete_fields = ["lead"]
    fields = ["lead", "kind", "body", "due_at", "done_at", "owner"]
    formfield_overrides = LABELLED_DATETIME

    class Media:
        # The lead's autocomplete box gets the field's label as its name.
        js = ["crm/autocomplete-label.js"]

    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return ["lead"] if obj else []

    def save_model(self, request, obj, form, change):
        fields = services.activity_fields(obj)
        if change:
            saved = services.activity_update(activity=obj, **fields)
        else:
            fields["owner"] = obj.owner or request.user
            saved = services.activity_create(lead=obj.lead, **fields)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.activity_delete(activity=obj)

    def delete_queryset(self, request, queryset):
        for activity in queryset:
            services.activity_delete(activity=activity)
