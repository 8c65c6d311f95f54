"""The URLs of an admin's own pages, each behind the admin site's login and staff check."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import URLPattern, path


def extra_view_urls(model_admin, *views: tuple[str, Callable, str]) -> list[URLPattern]:
    """``(route, view, name)`` triples as URL patterns, before the admin's own ones."""
    admin_view = model_admin.admin_site.admin_view
    return [path(route, admin_view(view), name=name) for route, view, name in views]


def lead_page_context(model_admin, request, lead, title: str, **extra) -> dict:
    """What a page about one lead (its proposed changes, an e-mail to it) gives its
    template: the admin's context, ``title`` (translated, with ``%(lead)s`` for the
    lead's name), the lead itself, and ``extra``."""
    return {
        **model_admin.admin_site.each_context(request),
        "title": title % {"lead": lead.contact.full_name or lead.contact.email},
        "opts": model_admin.opts,
        "lead": lead,
        **extra,
    }
