"""System checks for the qualification app."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from crm.checks import number, one_of, settings_problems, text, url_or_empty, whole_number

from .app_settings import app_settings
from .throttles import parse_rate


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


def _rate(value) -> bool:
    try:
        parse_rate(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


_rate.expected = "a rate such as 20/minute"

QUALIFICATION_SETTINGS_RULES = {
    "SUBMISSION_RATE": _rate,
    "MAX_SUBMISSION_BYTES": whole_number(1024),
    "IDEMPOTENCY_KEY_HOURS": whole_number(1),
    "SPAM_EXCERPT_CHARS": whole_number(0),
    "SPAM_RETENTION_DAYS": whole_number(1),
    "SHOW_RESULT_TO_PROSPECT": one_of(True, False),
    "RESEND_PENDING_AFTER": number(1),
    "SWEEP_BATCH_SIZE": whole_number(1),
    "QUESTIONNAIRE_CACHE_SECONDS": number(0),
    "PRACTICE_NAME": text,
    "PRIVACY_POLICY_URL": url_or_empty,
    "MAX_ATTEMPTS": whole_number(1),
    "RECLASSIFY_BATCH_SIZE": whole_number(1),
}


@register()
def check_app_settings(app_configs, **kwargs):
    """Every QUALIFICATION_* setting has a value the app can use."""
    return settings_problems(
        app_settings, QUALIFICATION_SETTINGS_RULES, check_id="qualification.E002"
    )
