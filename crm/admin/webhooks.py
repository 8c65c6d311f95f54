"""Webhook endpoints (register, rotate the secret, enable, disable) and the delivery log
(replay). Every change goes through ``crm.services``.

A secret is shown once, on the page that answers its creation or rotation (rendered
there, never carried in a message cookie or a redirect), and never again. What a
receiver answered is hostile text: the log shows it escaped, without control
characters, cut short, in a cell that wraps anywhere.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models_webhooks import (
    DELIVERY_LOG_FIELDS,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)

CHANGE_PERMISSION = "crm.change_webhookendpoint"


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        # ``url`` is the form's own field (https assumed), written by the service.
        fields = ["events", "description"]

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("url") if self.instance.pk is None else None
        problems = services.webhook_endpoint_problems(url=url, events=cleaned.get("events"))
        for field, problem in problems.items():
            if field in self.fields:
                self.add_error(field, problem)
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = [
        "short_url",
        "description",
        "event_list",
        "is_active",
        "disabled_reason",
        "failing_since",
        "created_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    actions = ["rotate_secret", "enable", "disable"]
    readonly_fields = [
        "is_active",
        "disabled_reason",
        "disabled_at",
        "failing_since",
        "created_by",
        "created_at",
        "deliveries_link",
    ]

    class Media:
        css = {"all": ["crm/admin.css"]}

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["url", "events", "description"]
        return ["url", "events", "description", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["url", *self.readonly_fields]

    @admin.display(description=_("URL"), ordering="url")
    def short_url(self, endpoint):
        return Truncator(endpoint.url).chars(80)

    @admin.display(description=_("events"))
    def event_list(self, endpoint):
        return (
            ", ".join(str(e) for e in endpoint.events) if isinstance(endpoint.events, list) else ""
        )

    @admin.display(description=_("deliveries"))
    def deliveries_link(self, endpoint):
        url = (
            reverse("admin:crm_webhookdelivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        )
        return format_html('<a href="{}">{}</a>', url, gettext("See the delivery log"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.webhook_endpoint_update(
                endpoint=obj, events=data["events"], description=data.get("description", "")
            )
            return
        created = services.webhook_endpoint_create(
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
            by=request.user,
        )
        obj.pk = created.pk
        obj.secret = created.secret
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.webhook_endpoint_delete(endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_delete(endpoint=endpoint)

    def response_add(self, request, obj, post_url_continue=None):
        return self._secret_page(request, obj, created=True)

    def _secret_page(self, request, endpoint, *, created: bool):
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("The endpoint's signing secret"),
            "opts": self.opts,
            "endpoint": endpoint,
            "created": created,
            "change_url": reverse("admin:crm_webhookendpoint_change", args=[endpoint.pk]),
        }
        response = TemplateResponse(request, "admin/crm/webhookendpoint/secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Rotate the secret (one endpoint)"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, gettext("Choose exactly one endpoint to rotate."), messages.ERROR
            )
            return None
        endpoint = services.webhook_endpoint_rotate_secret(endpoint=queryset.get())
        return self._secret_page(request, endpoint, created=False)

    @admin.action(description=_("Enable the selected endpoints"), permissions=["change"])
    def enable(self, request, queryset):
        for endpoint in queryset:
            services.webhook_endpoint_set_active(endpoint=endpoint, active=True)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d endpoint enabled.", "%(count)d endpoints enabled.", count)
            % {"count": count},
        )

    @admin.action(description=_("Disable the selected endpoints"), permissions=["change"])
    def disable(self, request, queryset):
        reason = gettext("Disabled by %(user)s.") % {"user": request.user.get_username()}
        for endpoint in queryset:
            services.webhook_endpoint_set_active(endpoint=endpoint, active=False, reason=reason)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d endpoint disabled.", "%(count)d endpoints disabled.", count)
            % {"count": count},
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "endpoint_url",
        "event_type",
        "webhook_id",
        "attempt",
        "outcome",
        "response_status",
        "duration_ms",
        "excerpt",
        "next_attempt_at",
    ]
    list_filter = ["outcome", "message__event_type", "endpoint"]
    list_select_related = ["message", "endpoint"]
    search_fields = ["message__msg_id"]
    show_full_result_count = False
    actions = ["replay"]
    fields = ["endpoint", *DELIVERY_LOG_FIELDS]

    class Media:
        css = {"all": ["crm/admin.css"]}

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the retention task deletes the log

    def has_replay_permission(self, request):
        return request.user.has_perm(CHANGE_PERMISSION)

    @admin.display(description=_("endpoint"), ordering="endpoint__url")
    def endpoint_url(self, delivery):
        return Truncator(delivery.endpoint.url).chars(60)

    @admin.display(description=_("event"), ordering="message__event_type")
    def event_type(self, delivery):
        return delivery.message.event_type

    @admin.display(description=_("webhook-id"))
    def webhook_id(self, delivery):
        return delivery.message.msg_id

    @admin.display(description=_("response excerpt"))
    def excerpt(self, delivery):
        text = delivery.response_excerpt or delivery.error
        return format_html('<span class="crm-hostile-text">{}</span>', Truncator(text).chars(120))

    @admin.action(description=_("Replay the selected deliveries"), permissions=["replay"])
    def replay(self, request, queryset):
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        sent, refused = 0, []
        for delivery in queryset.select_related("message"):
            try:
                services.webhook_delivery_replay(delivery=delivery)
                sent += 1
            except ValueError as error:
                refused.append(f"{delivery.message.msg_id}: {error}")
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d message sent again.", "%(count)d messages sent again.", sent)
                % {"count": sent},
            )
        for problem in refused[:10]:
            self.message_user(request, problem, messages.ERROR)
