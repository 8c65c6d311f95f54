"""System checks for the qualification app."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from .app_settings import app_settings


@register(Tags.compatibility)
def check_crm_installed(app_configs, **kwargs):
    if "crm" not in settings.INSTALLED_APPS:
        return [
            Error(
                "qualification stores its leads with the crm app.",
                hint="Add 'crm' to INSTALLED_APPS before 'qualification'.",
                id="qualification.E001",
            )
        ]
    return []


@register()
def check_app_settings(app_configs, **kwargs):
    """Every QUALIFICATION_* setting has a value the app can use (``crm.conf``)."""
    return app_settings.problems(check_id="qualification.E002")
