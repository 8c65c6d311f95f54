from django.contrib import admin

from .models import Activity, Company, Consent, Contact, Lead

admin.site.register([Company, Contact, Lead, Activity, Consent])
