"""The register of confidentiality incidents: recorded and updated by staff (the admin),
never deleted before the regulation's five years (``crm.models_incidents``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..models import ConfidentialityIncident


@transaction.atomic
def incident_save(
    *, incident: ConfidentialityIncident, by: AbstractBaseUser | None
) -> ConfidentialityIncident:
    """Record a new incident (who recorded it is kept) or save changes to one."""
    if incident.pk is None and by is not None and by.pk:
        incident.recorded_by = by
    incident.full_clean()
    incident.save()
    return incident
