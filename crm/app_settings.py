"""The crm app's own settings, with defaults, read when used (django-allauth style)."""

from django.conf import settings


class AppSettings:
    prefix = "CRM_"

    def _get(self, name, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def PRACTICE_EMAIL(self) -> str:
        """Where new-lead notifications go."""
        return self._get("PRACTICE_EMAIL", "")

    @property
    def NOTIFY_FIT_SCORE_AT_LEAST(self) -> int:
        """A new lead at or above this fit score is announced to the practice."""
        return self._get("NOTIFY_FIT_SCORE_AT_LEAST", 70)

    @property
    def PRACTICE_LANGUAGE(self) -> str:
        """The language of the new-lead notifications (the site's language by default)."""
        return self._get("PRACTICE_LANGUAGE", settings.LANGUAGE_CODE[:2])

    @property
    def SITE_URL(self) -> str:
        """Prefix of the admin links in e-mails, e.g. ``https://leads.example.com``.

        Empty (the default) leaves the links relative to the site.
        """
        return self._get("SITE_URL", "")

    @property
    def LIST_COUNT_LIMIT(self) -> int:
        """The admin's lead list counts matching leads exactly up to this many."""
        return self._get("LIST_COUNT_LIMIT", 10_000)

    @property
    def API_TOKEN_MAX_AGE_DAYS(self) -> int:
        """Days a staff API token works after it is issued; then it must be rotated."""
        return self._get("API_TOKEN_MAX_AGE_DAYS", 90)


app_settings = AppSettings()
