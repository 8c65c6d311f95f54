from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Sales pipeline")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The system checks, and the tasks (registered with whatever Celery app the host
        # has, so that services can send them by name: services never import tasks).
        from . import checks, tasks  # noqa: F401
