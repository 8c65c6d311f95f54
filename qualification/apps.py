from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "qualification"
    verbose_name = _("Qualification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import (  # noqa: F401  (registers checks and signal receivers)
            checks,
            receivers,
            tasks_imports,  # noqa: F401  (the import task, for the worker)
        )
