"""Development: what the README's run command uses."""

from config.env import env

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# Demo data commands (seed_demo, ensure_demo_staff): development only, never production.
INSTALLED_APPS = [*INSTALLED_APPS, "config.demo"]
