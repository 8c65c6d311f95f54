"""The staff API (``api/v1/leads/``, ``api/v1/auth/token/rotate/``) and each staff member's
private calendar feed (``calendar/<id>/<token>.ics``). Include it at the site root."""

from django.urls import path

from .apis import ApiTokenRotateApi, LeadActivitiesApi, LeadDetailApi, LeadListApi
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
    # A staff member's private follow-up calendar (crm/feeds.py): the address is the secret.
    path(
        "calendar/<int:profile_id>/<str:token>.ics",
        calendar_feed,
        name="calendar-feed",
    ),
]
