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


app_settings = AppSettings()
