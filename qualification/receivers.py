"""Receivers for crm's signals. They only hand over to services."""

from django.dispatch import receiver

from crm.signals import reclassification_requested

from . import services


@receiver(reclassification_requested, dispatch_uid="qualification.reclassify_requested_leads")
def reclassify_requested_leads(sender, lead_ids, requested_by=None, **kwargs):
    """Staff asked for these leads to be scored again: re-score them with the current rules."""
    services.leads_reclassify(lead_ids=lead_ids)
