"""Signals that let other apps react to the pipeline without crm importing them."""

from django.dispatch import Signal

#: Sent by staff actions that ask for a lead's answers to be scored again.
#: Arguments: ``lead_ids`` (list of int), ``requested_by`` (user or None).
reclassification_requested = Signal()
