"""Who may do what through the staff API: the same model permissions as the admin."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission, DjangoModelPermissions

OVERRIDE_PERMISSION = "crm.override_recommendation"


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


class CanOverrideRecommendation(BasePermission):
    """Changing the override needs its own permission on top of ``change_lead``."""

    message = _("You may not override the recommendation.")

    def has_permission(self, request, view):
        if request.method in ("PATCH", "PUT") and "override" in _keys(request.data):
            return request.user.has_perm(OVERRIDE_PERMISSION)
        return True


def _keys(data) -> set:
    try:
        return set(data.keys())
    except AttributeError:
        return set()
