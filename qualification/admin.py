from django.contrib import admin

from .models import Classification, Questionnaire, Ruleset, Submission

admin.site.register([Questionnaire, Ruleset, Submission, Classification])
