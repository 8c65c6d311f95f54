"""The public questionnaire pages and API. Include it at the site root."""

from django.urls import path, re_path

from . import apis, apis_imports, views

app_name = "qualification"

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

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
]
