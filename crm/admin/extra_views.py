"""The URLs of an admin's own pages, each behind the admin site's login and staff check."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import URLPattern, path


def extra_view_urls(model_admin, *views: tuple[str, Callable, str]) -> list[URLPattern]:
    """``(route, view, name)`` triples as URL patterns, before the admin's own ones."""
    admin_view = model_admin.admin_site.admin_view
    return [path(route, admin_view(view), name=name) for route, view, name in views]
