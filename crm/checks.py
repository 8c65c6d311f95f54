"""System checks for the crm app."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

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


def is_absolute_http_url(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


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


# --- Every app setting has a sensible value -------------------------------------------


def whole_number(low: int, high: int | None = None):
    """A check of a setting's value: a whole number from ``low`` (to ``high``)."""

    def valid(value) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value >= low
            and (high is None or value <= high)
        )

    valid.expected = f"a whole number from {low}" + (f" to {high}" if high is not None else "")
    return valid


def number(low: float):
    def valid(value) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool) and value >= low

    valid.expected = f"a number from {low}"
    return valid


def one_of(*choices):
    def valid(value) -> bool:
        return value in choices

    valid.expected = "one of " + ", ".join(repr(choice) for choice in choices)
    return valid


def text(value) -> bool:
    return isinstance(value, str)


text.expected = "text"


def email_or_empty(value) -> bool:
    if not isinstance(value, str):
        return False
    if value == "":
        return True
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


email_or_empty.expected = "an e-mail address, or empty"


def url_or_empty(value) -> bool:
    return value == "" or (isinstance(value, str) and is_absolute_http_url(value))


url_or_empty.expected = "an absolute http(s) address, or empty"


def settings_problems(app_settings, rules, *, check_id: str) -> list[Error]:
    """One Error per setting of ``app_settings`` whose value fails its rule in ``rules``
    (setting name without prefix -> a function with an ``expected`` wording)."""
    errors = []
    for name, valid in rules.items():
        value = getattr(app_settings, name)
        if not valid(value):
            errors.append(
                Error(
                    f"{app_settings.prefix}{name} must be {valid.expected}, not {value!r}.",
                    hint=f"Fix {app_settings.prefix}{name} or leave it out for its default.",
                    id=check_id,
                )
            )
    return errors


CRM_SETTINGS_RULES = {
    "PRACTICE_EMAIL": email_or_empty,
    "NOTIFY_FIT_SCORE_AT_LEAST": whole_number(0, 100),
    "PRACTICE_LANGUAGE": one_of("fr", "en"),
    "LIST_COUNT_LIMIT": whole_number(1),
}


@register()
def check_app_settings(app_configs, **kwargs):
    """The crm's settings that ``check_site_url`` and ``check_api_token_max_age`` leave."""
    return settings_problems(app_settings, CRM_SETTINGS_RULES, check_id="crm.E003")
