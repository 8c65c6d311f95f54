"""System checks for the crm app."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from .app_settings import app_settings


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
def check_api_token_max_age(app_configs, **kwargs):
    days = app_settings.API_TOKEN_MAX_AGE_DAYS
    # Up to a century: beyond, the expiry date would not fit in a datetime.
    if isinstance(days, int) and not isinstance(days, bool) and 0 < days <= 36_500:
        return []
    return [
        Error(
            f"CRM_API_TOKEN_MAX_AGE_DAYS must be a whole number of days from 1 to 36500, "
            f"not {days!r}.",
            hint="Set it to e.g. 90, or leave it out for the default (90).",
            id="crm.E002",
        )
    ]
