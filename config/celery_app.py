"""The host's Celery app. The apps only use @shared_task, so any host's app will do."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.noop")
def noop(*args, **kwargs):
    """Does nothing: the baseline that benchmarks compare real tasks against."""
    return None
