"""Who may do what through the staff API: the same model permissions as the admin.

Overriding the recommendation needs ``crm.override_recommendation`` on top: the
service that records an override enforces it (``crm.services.lead_override_recommendation``),
whatever the entry point, and DRF answers its ``PermissionDenied`` with 403.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission, DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """Django's model permissions, reads included (``view_<model>`` for GET)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class CanViewLeads(BasePermission):
    """For endpoints under a lead (its activities): the lead must be visible too."""

    message = _("You may not see leads.")

    def has_permission(self, request, view):
        return request.user.has_perm("crm.view_lead")
