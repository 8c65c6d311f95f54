"""The site's Celery app: the apps' tasks are @shared_task, so they run on it."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice_site.settings")

app = Celery("practice_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
