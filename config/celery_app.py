"""The host's Celery app. The apps only use @shared_task, so any host's app will do."""

import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
def consume_patiently(conf=None, **kwargs):
    """Web processes publish with a short socket timeout (a frozen Redis never holds a
    request); a worker blocks on BRPOP, so it gets a longer one."""
    conf.broker_transport_options = {
        **conf.broker_transport_options,
        "socket_timeout": conf.worker_broker_socket_timeout,
    }
