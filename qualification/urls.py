"""The public questionnaire pages and API. Include it at the site root."""

from django.urls import path, re_path

from . import apis, apis_imports, views
from .prospect import views as prospect_views

app_name = "qualification"

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: A signed link's token (django.core.signing: URL-safe base64, ":" and ".").
TOKEN = r"[A-Za-z0-9_\-:.]{1,600}"

urlpatterns = [
    path("api/v1/questionnaire/", apis.QuestionnaireApi.as_view(), name="api-questionnaire"),
    path("api/v1/submissions/", apis.SubmissionCreateApi.as_view(), name="api-submissions"),
    path(
        "api/v1/submissions/<uuid:public_id>/",
        apis.SubmissionStatusApi.as_view(),
        name="api-submission-status",
    ),
    path("api/v1/imports/", apis_imports.ImportCreateApi.as_view(), name="api-imports"),
    path(
        "api/v1/imports/<int:pk>/",
        apis_imports.ImportDetailApi.as_view(),
        name="api-import-detail",
    ),
    re_path(r"^(?P<lang>fr|en)/questionnaire/$", views.questionnaire_page, name="questionnaire"),
    re_path(
        rf"^(?P<lang>fr|en)/questionnaire/thanks/(?P<public_id>{UUID})/$",
        views.thanks_page,
        name="thanks",
    ),
    # The prospect's side (issue 12): private page, new link, double opt-in, unsubscribe.
    re_path(
        r"^(?P<lang>fr|en)/my-data/$",
        prospect_views.private_link_request,
        name="private-link",
    ),
    re_path(
        rf"^(?P<lang>fr|en)/my-data/(?P<token>{TOKEN})/$",
        prospect_views.private_page,
        name="private-page",
    ),
    re_path(
        rf"^(?P<lang>fr|en)/my-data/(?P<token>{TOKEN})/(?P<action>review|erasure|withdraw-marketing)/$",
        prospect_views.private_action,
        name="private-action",
    ),
    re_path(
        rf"^(?P<lang>fr|en)/my-data/(?P<token>{TOKEN})/data\.(?P<data_format>json|csv)$",
        prospect_views.private_export,
        name="private-export",
    ),
    re_path(
        rf"^(?P<lang>fr|en)/confirm/(?P<token>{TOKEN})/$",
        prospect_views.consent_confirm,
        name="consent-confirm",
    ),
    re_path(
        rf"^(?P<lang>fr|en)/unsubscribe/(?P<token>{TOKEN})/$",
        prospect_views.unsubscribe,
        name="unsubscribe",
    ),
]
