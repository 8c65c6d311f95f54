"""The crm app's own settings, ``CRM_<NAME>`` in the host's settings (see ``crm.conf``)."""

from django.conf import settings

from .conf import AppSettings, Setting, email_or_empty, one_of, text, whole_number


class CrmSettings(AppSettings):
    prefix = "CRM_"

    PRACTICE_EMAIL = Setting(
        "", email_or_empty, "Where new-lead notifications go when a lead has no owner."
    )
    NOTIFY_FIT_SCORE_AT_LEAST = Setting(
        70, whole_number(0, 100), "A new lead at or above this fit score is announced."
    )
    PRACTICE_LANGUAGE = Setting(
        lambda: settings.LANGUAGE_CODE[:2],
        one_of("fr", "en"),
        "The language of the practice's notifications (the site's language by default).",
    )
    SITE_URL = Setting(
        "",
        text,  # crm.W001 says when it is not an absolute address outside development
        "The site's public address, e.g. ``https://leads.example.com``: every link in an "
        "e-mail starts with it. Empty leaves the links relative to the site.",
    )
    LIST_COUNT_LIMIT = Setting(
        10_000, whole_number(1), "The admin's lead list counts matching leads exactly up to this."
    )
    API_TOKEN_MAX_AGE_DAYS = Setting(
        90,
        # Up to a century: beyond, the expiry date would not fit in a datetime.
        whole_number(1, 36_500),
        "Days a staff API token works after it is issued; then it must be rotated.",
        check_id="crm.E002",
    )
    PRIVACY_REQUEST_DUE_DAYS = Setting(
        30,
        whole_number(1, 365),
        "Days the practice has to answer a privacy request (Law 25: 30); its due date.",
    )


app_settings = CrmSettings()
