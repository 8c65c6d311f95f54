from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "qualification"
    verbose_name = _("Qualification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # What this app keeps about a person, for the crm's export, erasure and retention.
        from crm.personal_data import register

        from . import checks, receivers  # noqa: F401  (registers checks and signal receivers)
        from .services.personal_data import provider

        register(provider())
