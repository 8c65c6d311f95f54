"""Admin screens of the qualification app, one module a screen. They validate and call
services."""

from django.contrib import admin

from ..models import Questionnaire
from . import classifications, imports, rulesets, submissions

admin.site.register(Questionnaire)

__all__ = ["classifications", "imports", "rulesets", "submissions"]
