"""The staff's screens, one module per thing they work on.

Every change goes through ``crm.services``; the admin only validates and presents.

- ``leads.py``: the lead list and page (``LeadAdmin``), with its parts beside it:
  ``lead_list.py`` (paging, columns), ``fast_rows.py`` (the rows' HTML),
  ``lead_filters.py``, ``lead_actions.py``, ``lead_export.py`` (CSV),
  ``lead_page.py`` (inlines, panels), ``lead_decisions.py`` (review, proposed changes),
  ``lead_email.py`` (e-mail the lead from a template; the templates' own admin);
  ``board.py`` (the pipeline board), ``calendar.py`` (the follow-up calendar and
  "My calendar feed");
- ``contacts.py``, ``companies.py``, ``consents.py``, ``activities.py``;
- ``privacy.py``: the queue of privacy requests (review, erasure, ...), with
  ``privacy_views.py`` (export a person's data, erase them); ``incidents.py``: the
  register of confidentiality incidents and the log of exports;
- ``staff.py``: staff profiles, "Language of my e-mails" and "My API token";
- ``webhooks.py``: webhook endpoints and their delivery log.

The dashboard (``crm.dashboard``) sits on the admin's index page, unless the host chose
its own index.
"""

from django.contrib import admin

from .activities import ActivityAdmin
from .companies import CompanyAdmin
from .consents import ConsentAdmin
from .contacts import ContactAdmin
from .incidents import ConfidentialityIncidentAdmin, PrivacyExportAdmin
from .lead_email import EmailTemplateAdmin
from .leads import LeadAdmin
from .privacy import PrivacyRequestAdmin
from .staff import StaffProfileAdmin
from .webhooks import WebhookDeliveryAdmin, WebhookEndpointAdmin

if admin.site.index_template is None:
    admin.site.index_template = "crm/admin/index.html"

__all__ = [
    "ConfidentialityIncidentAdmin",
    "PrivacyExportAdmin",
    "EmailTemplateAdmin",
    "ActivityAdmin",
    "CompanyAdmin",
    "ConsentAdmin",
    "ContactAdmin",
    "LeadAdmin",
    "PrivacyRequestAdmin",
    "StaffProfileAdmin",
    "WebhookDeliveryAdmin",
    "WebhookEndpointAdmin",
]
