"""The host project: settings, URLs and the Celery app that wire crm and qualification together."""

from .celery_app import app as celery_app

__all__ = ("celery_app",)
