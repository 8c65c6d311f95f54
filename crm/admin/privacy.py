"""Privacy requests: the staff's queue of what people asked about their information.

Requests come from the people themselves (their private page), or staff type in one
that came by e-mail, phone or letter ("Add": kind, address, note;
``crm.services.privacy_request_file``). Staff move them along (in progress, handled,
refused) with their notes (``crm.services.privacy_request_handle``), and carry out an
access or portability request (export, ``privacy_views``) or an erasure (its
confirmation page). Oldest due first; filters by kind, status and "overdue".
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import services
from ..choices import OPEN_PRIVACY_STATUSES
from ..models import PrivacyRequest
from .privacy_views import erase_view, export_view


class PrivacyRequestAddForm(forms.ModelForm):
    """A request typed in by staff: what, from whom, and what the person said."""

    email = forms.EmailField(label=_("The person's e-mail address"), max_length=254)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the request came in (e-mail, phone, letter) and what the person said."),
    )

    class Meta:
        model = PrivacyRequest
        fields = ["kind"]


class OverdueFilter(admin.SimpleListFilter):
    title = _("due date")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("Overdue")), ("0", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = {"status__in": OPEN_PRIVACY_STATUSES, "due_at__lt": timezone.now()}
        if self.value() == "1":
            return queryset.filter(**overdue)
        if self.value() == "0":
            return queryset.exclude(**overdue)
        return queryset


#: How long one detail may be on the page (the full text stays in the database).
_SHOWN_CHARS = 5000


def _detail_text(value) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "kind",
        "contact",
        "received_at",
        "due_at",
        "overdue",
        "status",
        "handled_by",
    ]
    list_filter = ["kind", "status", OverdueFilter]
    list_select_related = ["contact", "handled_by"]
    search_fields = ["contact__email"]
    date_hierarchy = "received_at"
    ordering = ["due_at", "pk"]
    show_full_result_count = False
    fields = [
        "kind",
        "contact",
        "lead",
        "language",
        "received_at",
        "due_at",
        "details_shown",
        "status",
        "resolution",
        "handled_by",
        "handled_at",
        "answer_sent_at",
    ]
    readonly_fields = [
        "kind",
        "contact",
        "lead",
        "language",
        "received_at",
        "due_at",
        "details_shown",
        "handled_by",
        "handled_at",
        "answer_sent_at",
    ]

    @admin.display(description="#", ordering="pk")
    def number(self, obj):
        return f"#{obj.pk}"

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(description=_("details"))
    def details_shown(self, obj):
        details = obj.details if isinstance(obj.details, dict) else {"": obj.details}
        if not details:
            return "—"
        return format_html(
            "<dl class='crm-privacy-details'>{}</dl>",
            format_html_join(
                "",
                "<dt>{}</dt><dd class='crm-privacy-details__text'>{}</dd>",
                ((str(key)[:200], _detail_text(value)) for key, value in details.items()),
            ),
        )

    class Media:
        css = {"all": ["crm/admin.css"]}

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PrivacyRequestAddForm
            kwargs["fields"] = ["kind"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "email", "note"]
        return [*self.fields, self._carry_out(request)]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, self._carry_out(request)]

    def _carry_out(self, request):
        """The request's "carry it out" links, for what this staff member may do."""
        cached = getattr(request, "_crm_carry_out", None)
        if cached is not None:
            return cached
        user = request.user

        def carry_out(obj):
            if obj.contact_id is None:
                return _("Nothing is kept about this address.")
            if obj.contact.erased_at is not None:
                return _("This person was erased.")
            links = []
            if user.has_perm(services.EXPORT_PERMISSION):
                url = reverse("admin:crm_privacyrequest_export", args=[obj.pk])
                links.append((url, _("Export the person's data")))
            if obj.kind == PrivacyRequest.Kind.ERASURE and obj.is_open:
                if user.has_perm(services.ERASE_PERMISSION):
                    url = reverse("admin:crm_privacyrequest_erase", args=[obj.pk])
                    links.append((url, _("Erase this person")))
            if not links:
                return _("Change the status below once it is handled.")
            return format_html_join(" · ", '<a class="button" href="{}">{}</a>', links)

        carry_out.short_description = _("carry it out")
        request._crm_carry_out = carry_out
        return carry_out

    def get_urls(self):
        own = [
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(export_view(self)),
                name="crm_privacyrequest_export",
            ),
            path(
                "<int:pk>/erase/",
                self.admin_site.admin_view(erase_view(self)),
                name="crm_privacyrequest_erase",
            ),
        ]
        return own + super().get_urls()

    def has_delete_permission(self, request, obj=None):
        # The register is the record that a request was made and answered.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            filed = services.privacy_request_file(
                kind=data["kind"], email=data["email"], note=data.get("note", ""), by=request.user
            )
            obj.pk = filed.pk
            obj.__dict__.update({k: v for k, v in filed.__dict__.items() if not k.startswith("_")})
            return
        services.privacy_request_handle(
            privacy_request=obj,
            status=data["status"],
            resolution=data.get("resolution", ""),
            by=request.user,
        )
