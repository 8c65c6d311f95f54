"""Consents: evidence of what each prospect agreed to, and when; shown, never edited."""

from __future__ import annotations

from django.contrib import admin

from ..models import Consent


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = [
        "contact",
        "purpose",
        "granted",
        "confirmed_at",
        "wording_version",
        "language",
        "created_at",
    ]
    # "Confirmed: no" are given in a later post for a known address: evidence only, they
    # do not count (crm.selectors.consent_in_force).
    list_filter = ["purpose", "granted", ("confirmed_at", admin.EmptyFieldListFilter), "language"]
    list_select_related = ["contact"]
    search_fields = ["contact__email"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.opts.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Evidence of consent is kept as given (CASL, Law 25).
        return False
