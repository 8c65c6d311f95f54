"""E-mail a lead from its page: pick one of the practice's templates (``EmailTemplate``),
read it filled in with the lead's fields, change it if need be, send. Works without
JavaScript: choosing a template reloads the page with it (``?template=<id>``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import EmailTemplate
from .extra_views import extra_view_urls, lead_page_context


class LeadEmailForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=EmailTemplate.objects.none(),
        required=False,
        empty_label=_("(none: write it yourself)"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 14}))

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The lead's language first, then the other one.
        templates = EmailTemplate.objects.filter(is_active=True)
        self.fields["template"].queryset = templates
        ordered = sorted(templates, key=lambda t: (t.language != language, t.name))
        self.fields["template"].choices = [
            ("", self.fields["template"].empty_label),
            *((t.pk, f"{t} · {t.get_purpose_display()}") for t in ordered),
        ]


class LeadEmailViews:
    """The lead page's "E-mail this lead" page (``get_urls`` adds it)."""

    def get_urls(self):
        return [
            *extra_view_urls(self, ("<path:object_id>/email/", self.email_view, "crm_lead_email")),
            *super().get_urls(),
        ]

    def email_view(self, request, object_id):
        lead = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, lead):
            raise PermissionDenied
        chosen = self._template(request)
        if request.method == "POST" and "send" in request.POST:
            form = LeadEmailForm(request.POST, language=lead.language)
            if form.is_valid():
                try:
                    services.lead_email_send(
                        lead=lead,
                        subject=form.cleaned_data["subject"],
                        body=form.cleaned_data["body"],
                        template=form.cleaned_data["template"],
                        by=request.user,
                    )
                except services.EmailNotAllowed as refused:
                    form.add_error(None, str(refused))
                else:
                    self.message_user(
                        request,
                        gettext("E-mail sent to %(address)s and logged on the lead.")
                        % {"address": lead.contact.email},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:crm_lead_change", args=[lead.pk]))
        elif request.method == "POST":  # "use this template" without JavaScript
            picked = request.POST.get("template", "")
            url = reverse("admin:crm_lead_email", args=[lead.pk])
            return HttpResponseRedirect(f"{url}?template={picked}" if picked.isdigit() else url)
        else:
            initial = {"template": chosen}
            if chosen is not None:
                draft = services.lead_email_fill(lead=lead, template=chosen, by=request.user)
                initial.update(subject=draft.subject, body=draft.body)
            form = LeadEmailForm(initial=initial, language=lead.language)
        context = lead_page_context(
            self,
            request,
            lead,
            gettext("E-mail %(lead)s"),
            form=form,
            refusal=services.lead_email_refusal(lead=lead, template=chosen),
            placeholders=sorted(services.PLACEHOLDERS),
        )
        return TemplateResponse(request, "admin/crm/lead/email.html", context)

    @staticmethod
    def _template(request) -> EmailTemplate | None:
        value = request.GET.get("template", "")
        if not value.isdigit():
            return None
        return EmailTemplate.objects.filter(pk=int(value), is_active=True).first()


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "purpose", "subject", "is_active", "updated_at"]
    list_filter = ["language", "purpose", "is_active"]
    search_fields = ["name", "subject", "body"]
    fields = ["name", "language", "purpose", "subject", "body", "is_active"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "body" not in form.base_fields:  # read-only for who may only view templates
            return form
        names = ", ".join("{" + name + "}" for name in sorted(services.PLACEHOLDERS))
        form.base_fields["body"].help_text = gettext(
            "The lead's details go where you write %(names)s."
        ) % {"names": names}
        return form
