"""System checks for the qualification app."""

from django.conf import settings
from django.core.checks import Error, Tags, register


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
