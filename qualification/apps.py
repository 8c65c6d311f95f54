from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "qualification"
    verbose_name = _("Qualification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm.timeline import register_source
        from crm.unsubscribe import register_link_builder

        from . import (  # noqa: F401  (registers checks, signal receivers, the import task)
            checks,
            receivers,
            tasks_imports,
        )
        from .prospect.links import unsubscribe_link

        # The crm's e-mails to prospects carry the link to this app's unsubscribe page.
        register_link_builder(unsubscribe_link)
        # The lead page's timeline shows each submission as it came in.
        from .timeline import submission_entries

        register_source(submission_entries)
        # What this app keeps about a person, for the crm's export, erasure and retention.
        from crm.personal_data import register

        from .services.personal_data import provider

        register(provider())
