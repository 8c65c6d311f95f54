"""The staff API (``api/v1/leads/``, ``api/v1/auth/token/rotate/``, ``api/v1/webhooks/``,
``api/v1/privacy-requests/``)
and each staff member's private calendar feed (``calendar/<id>/<token>.ics``). Include it
at the site root."""

from django.urls import path

from .apis import ApiTokenRotateApi, LeadActivitiesApi, LeadDetailApi, LeadListApi
from .apis_privacy import PrivacyRequestExportApi, PrivacyRequestFulfilApi, PrivacyRequestListApi
from .apis_webhooks import (
    WebhookDeliveriesApi,
    WebhookDetailApi,
    WebhookListApi,
    WebhookReplayApi,
    WebhookRotateSecretApi,
)
from .feeds import calendar_feed

app_name = "crm"

urlpatterns = [
    path("api/v1/leads/", LeadListApi.as_view(), name="lead-list"),
    path("api/v1/leads/<int:pk>/", LeadDetailApi.as_view(), name="lead-detail"),
    path(
        "api/v1/leads/<int:pk>/activities/",
        LeadActivitiesApi.as_view(),
        name="lead-activities",
    ),
    path("api/v1/auth/token/rotate/", ApiTokenRotateApi.as_view(), name="token-rotate"),
    path("api/v1/webhooks/", WebhookListApi.as_view(), name="webhook-list"),
    path("api/v1/webhooks/<int:pk>/", WebhookDetailApi.as_view(), name="webhook-detail"),
    path(
        "api/v1/webhooks/<int:pk>/rotate-secret/",
        WebhookRotateSecretApi.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "api/v1/webhooks/<int:pk>/deliveries/",
        WebhookDeliveriesApi.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "api/v1/webhooks/<int:pk>/deliveries/<int:delivery_id>/replay/",
        WebhookReplayApi.as_view(),
        name="webhook-replay",
    ),
    path("api/v1/privacy-requests/", PrivacyRequestListApi.as_view(), name="privacy-request-list"),
    path(
        "api/v1/privacy-requests/<int:pk>/fulfil/",
        PrivacyRequestFulfilApi.as_view(),
        name="privacy-request-fulfil",
    ),
    path(
        "api/v1/privacy-requests/<int:pk>/export/",
        PrivacyRequestExportApi.as_view(),
        name="privacy-request-export",
    ),
    # A staff member's private follow-up calendar (crm/feeds.py): the address is the secret.
    path(
        "calendar/<int:profile_id>/<str:token>.ics",
        calendar_feed,
        name="calendar-feed",
    ),
]
