"""System checks for the crm app."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .app_settings import app_settings
from .conf import is_absolute_http_url


@register(Tags.compatibility)
def check_installed_apps(app_configs, **kwargs):
    errors = []
    for needed in ("rest_framework", "rest_framework.authtoken", "django_filters"):
        if needed not in settings.INSTALLED_APPS:
            errors.append(
                Error(
                    f"crm needs '{needed}' in INSTALLED_APPS.",
                    hint=f"Add '{needed}' to INSTALLED_APPS.",
                    id="crm.E001",
                )
            )
    return errors


@register()
def check_site_url(app_configs, **kwargs):
    """E-mails (new-lead notices, follow-up digests) link to the admin: they need the site's
    address, or their links are relative and lead nowhere from a mail client.

    In development (DEBUG on) the links may stay relative; anywhere else it is a warning,
    which ``check --deploy --fail-level WARNING`` turns into a failure.
    """
    if settings.DEBUG or is_absolute_http_url(app_settings.SITE_URL):
        return []
    return [
        Warning(
            f"CRM_SITE_URL is {app_settings.SITE_URL!r}, not an absolute http(s) address: "
            "the links in the e-mails the crm sends would lead nowhere.",
            hint="Set CRM_SITE_URL to the site's public address, e.g. https://leads.example.com.",
            id="crm.W001",
        )
    ]


@register()
def check_app_settings(app_configs, **kwargs):
    """Every CRM_* setting has a value the app can use (``crm.conf``)."""
    return app_settings.problems(check_id="crm.E003")
