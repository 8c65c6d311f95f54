"""The qualification app's own settings, with defaults, read when used (django-allauth style).

A host project sets them as ``QUALIFICATION_<NAME>`` in its settings.
"""

from django.conf import settings


class AppSettings:
    prefix = "QUALIFICATION_"

    def _get(self, name, default):
        return getattr(settings, self.prefix + name, default)

    # --- Classification ------------------------------------------------------------

    @property
    def MAX_ATTEMPTS(self) -> int:
        """Runs of the classify task before a submission is marked failed (staff can retry)."""
        return self._get("MAX_ATTEMPTS", 5)

    @property
    def RECLASSIFY_BATCH_SIZE(self) -> int:
        """Leads re-scored per database round in ``reclassify`` and on staff requests."""
        return self._get("RECLASSIFY_BATCH_SIZE", 1000)


app_settings = AppSettings()
