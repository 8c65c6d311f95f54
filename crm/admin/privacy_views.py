"""The privacy request's own pages: export the person's data, erase the person.

Each needs its permission (``crm.export_personal_data``, ``crm.erase_personal_data``:
the Privacy officer role and the superuser); everything is done by the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import personal_data, selectors, services
from ..models import PrivacyExport, PrivacyRequest

TEMPLATE = "admin/crm/privacyrequest/action.html"


class ExportForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the log of exports with who and when."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("json", _("JSON (structured, for another system)")),
            ("csv", _("CSV (one value a row, for people)")),
        ],
        initial="json",
        widget=forms.RadioSelect,
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Erase this person all the same"),
        required=False,
        help_text=_("Their leads have follow-ups planned: they stay, without the person."),
    )


def _page(model_admin, request, privacy_request, *, title, form, button, intro, **extra):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "privacy_request": privacy_request,
        "form": form,
        "button": button,
        "intro": intro,
        **extra,
    }
    return TemplateResponse(request, TEMPLATE, context)


def _change_url(privacy_request) -> str:
    return reverse("admin:crm_privacyrequest_change", args=[privacy_request.pk])


def _download(export: PrivacyExport) -> HttpResponse:
    if export.format == PrivacyExport.Format.CSV:
        body, kind = "\ufeff" + personal_data.as_csv(export.content), "text/csv; charset=utf-8"
    else:
        body, kind = personal_data.as_json(export.content), "application/json; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    name = f"person-data-request-{export.request_id or 0}-{export.pk}.{export.format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def export_view(model_admin):
    def view(request, pk):
        if not request.user.has_perm(services.EXPORT_PERMISSION):
            raise PermissionDenied
        privacy_request = get_object_or_404(PrivacyRequest.objects.select_related("contact"), pk=pk)
        if privacy_request.contact is None or privacy_request.contact.erased_at is not None:
            messages.error(request, gettext("There is nothing to export for this request."))
            return HttpResponseRedirect(_change_url(privacy_request))
        initial = {"reason": gettext("Privacy request #%(id)s") % {"id": privacy_request.pk}}
        form = ExportForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            reason, fmt = form.cleaned_data["reason"], form.cleaned_data["format"]
            fulfils = privacy_request.is_open and privacy_request.kind in (
                PrivacyRequest.Kind.ACCESS,
                PrivacyRequest.Kind.PORTABILITY,
            )
            if fulfils:
                services.privacy_request_fulfil(
                    privacy_request=privacy_request, by=request.user, fmt=fmt, reason=reason
                )
                export = PrivacyExport.objects.filter(request=privacy_request).latest("pk")
            else:
                export, _text = services.person_export(
                    contact_id=privacy_request.contact_id,
                    by=request.user,
                    reason=reason,
                    fmt=fmt,
                    privacy_request=privacy_request,
                    language=privacy_request.language,
                )
            return _download(export)
        return _page(
            model_admin,
            request,
            privacy_request,
            title=gettext("Export the person's data"),
            form=form,
            button=gettext("Export and download"),
            intro=gettext(
                "Everything kept about the person in both apps: what they provided, what "
                "was inferred from it, and what staff recorded. The export is logged "
                "(who, when, why) and kept for the staff API for a limited time."
            ),
        )

    return view


def erase_view(model_admin):
    def view(request, pk):
        if not request.user.has_perm(services.ERASE_PERMISSION):
            raise PermissionDenied
        privacy_request = get_object_or_404(PrivacyRequest.objects.select_related("contact"), pk=pk)
        contact = privacy_request.contact
        if contact is None or contact.erased_at is not None:
            messages.error(
                request, gettext("This person was erased already: nothing is left to erase.")
            )
            return HttpResponseRedirect(_change_url(privacy_request))
        if privacy_request.kind != PrivacyRequest.Kind.ERASURE or not privacy_request.is_open:
            messages.error(
                request, gettext("Only an open erasure request can be carried out here.")
            )
            return HttpResponseRedirect(_change_url(privacy_request))
        lead_ids = list(contact.leads.values_list("pk", flat=True))
        follow_ups = selectors.lead_has_open_follow_ups(lead_ids=lead_ids)
        form = EraseForm(request.POST if request.method == "POST" else None)
        if not follow_ups:
            form.fields.pop("confirm")
        if request.method == "POST" and form.is_valid():
            try:
                services.privacy_request_fulfil(
                    privacy_request=privacy_request,
                    by=request.user,
                    confirm=bool(form.cleaned_data.get("confirm")),
                )
            except services.OpenFollowUps:
                form.add_error(
                    "confirm" if "confirm" in form.fields else None,
                    gettext("Their leads have follow-ups planned: tick the box to go ahead."),
                )
            except (services.AlreadyErased, services.RequestClosed):
                messages.error(
                    request, gettext("This person was erased already: nothing is left to erase.")
                )
                return HttpResponseRedirect(_change_url(privacy_request))
            else:
                messages.success(
                    request,
                    gettext("Request #%(id)s: the person's information was erased.")
                    % {"id": privacy_request.pk},
                )
                return HttpResponseRedirect(_change_url(privacy_request))
        return _page(
            model_admin,
            request,
            privacy_request,
            title=gettext("Erase this person"),
            form=form,
            button=gettext("Erase for good"),
            intro=gettext(
                "Every personal detail of the person (contact, their company when nobody "
                "else belongs to it, questionnaires, consents' evidence, notes, history, "
                "exports, webhook bodies) is replaced by a tombstone, in one go; it cannot "
                "be undone. Their leads' stage, dates, recommendation and fit stay, so the "
                "statistics stay true. Their address is kept only as a keyed hash so that "
                "an import cannot bring them back."
            ),
            leads=len(lead_ids),
            follow_ups=follow_ups,
        )

    return view
