from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz, readyz

admin.site.site_header = _("CMO on demand: leads")
admin.site.site_title = _("Leads")
admin.site.index_title = _("Sales pipeline")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from ?script, so the page has no inline script
    # (Content-Security-Policy); config/swagger_ui.html has no inline style.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="config/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("", include("crm.urls")),
    path("", include("qualification.urls")),
    path("", RedirectView.as_view(url="/fr/questionnaire/", permanent=False), name="home"),
]
