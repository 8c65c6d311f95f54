"""Admin screens of the qualification app, one module a screen. They validate and call
services."""

from django.contrib import admin

from ..models import Questionnaire
from . import classifications, rulesets, submissions

admin.site.register(Questionnaire)

__all__ = ["classifications", "rulesets", "submissions"]
