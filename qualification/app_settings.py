"""The qualification app's own settings, with defaults, read when used (django-allauth style).

A host project sets them as ``QUALIFICATION_<NAME>`` in its settings.
"""

from django.conf import settings


class AppSettings:
    prefix = "QUALIFICATION_"

    def _get(self, name, default):
        return getattr(settings, self.prefix + name, default)


app_settings = AppSettings()
