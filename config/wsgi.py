import os

from django.core.wsgi import get_wsgi_application

from config.database import use_web_database_timeouts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

application = get_wsgi_application()
# A web process (gunicorn, and runserver, which loads this module too) waits only a few
# seconds for a busy database, then answers 503 (config/database.py).
use_web_database_timeouts()
