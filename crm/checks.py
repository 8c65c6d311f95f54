"""System checks for the crm app."""

from django.conf import settings
from django.core.checks import Error, Tags, register


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
