from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # The site's staff pages are not at /admin/: nothing in the apps may assume it.
    path("staff/", admin.site.urls),
    # Both apps under one prefix, as the README's install section says.
    path("leads/", include("crm.urls")),
    path("leads/", include("qualification.urls")),
]
