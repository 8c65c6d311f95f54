"""Signals that let other apps react to the pipeline without crm importing them."""

from django.dispatch import Signal

#: Sent by staff actions that ask for a lead's answers to be scored again.
#: Arguments: ``lead_ids`` (list of int), ``requested_by`` (user or None).
reclassification_requested = Signal()

#: Sent when staff accept a later post's answers for a lead (a proposed change). The app
#: that proposed them brings the result computed from them onto the lead.
#: Arguments: ``lead`` (the Lead), ``reference`` (the proposal's reference, as given).
lead_answers_adopted = Signal()

#: Sent when staff close a privacy request with an answer for the person (its status
#: set to handled or refused, with resolution notes). The app that talks to prospects
#: e-mails the answer. Arguments: ``privacy_request`` (the PrivacyRequest).
privacy_request_answered = Signal()
