"""Every write to the pipeline goes through here: ``<noun>_<verb>``, keyword-only, atomic.

Split by use case; import from ``crm.services`` (the names below), not from its modules:

- ``contacts``: contacts, their companies, the evidence of consents;
- ``filing``: first-time prospects filed many at once (the worker's batches);
- ``leads``: a lead's way through the pipeline (opened or joined, stage, owner,
  override, review, follow-up);
- ``proposals``: what a later post gave differently, for staff to accept or reject;
- ``qualification``: the rules' result on a lead, one at a time or in bulk;
- ``activities``: notes, calls, e-mails and meetings;
- ``notifications``: the e-mails the crm sends;
- ``tokens``: a staff member's own API token;
- ``webhooks`` and ``webhook_delivery``: outbound webhooks (endpoints, the events written
  with each change, sending, retries, replay, the sweep and the log's retention).
"""

from .activities import (
    ActivityFields,
    activity_create,
    activity_delete,
    activity_fields,
    activity_update,
)
from .base import UNSET, absolute_url, normalize_email
from .contacts import (
    ContactDetails,
    company_update,
    consents_record,
    contact_find_or_create,
    contact_update,
)
from .filing import NewProspect, leads_bulk_open_new
from .leads import (
    OVERRIDE_PERMISSION,
    OverrideNotAllowed,
    history_backdate,
    lead_assign,
    lead_backdate,
    lead_mark_reviewed,
    lead_move_stage,
    lead_open_or_attach,
    lead_override_allowed,
    lead_override_recommendation,
    lead_request_reclassification,
    lead_set_follow_up,
    lead_stage_change_problem,
    lead_update,
)
from .notifications import (
    follow_up_digests_send,
    lead_notify_practice,
    lead_notify_return,
    staff_profile_set_language,
)
from .proposals import lead_propose_changes, proposed_changes_decide
from .qualification import (
    QUALIFICATION_FIELDS,
    lead_record_qualification,
    leads_bulk_record_qualification,
    leads_record_qualification,
)
from .tokens import api_token_allowed, api_token_rotate
from .webhook_delivery import RETRY_SCHEDULE, webhook_delivery_replay, webhook_message_deliver
from .webhooks import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_notify_disabled,
    webhook_endpoint_problems,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_set_active,
    webhook_endpoint_update,
    webhook_events_collected,
    webhook_lead_erased,
    webhook_lead_event,
    webhook_log_purge,
    webhooks_sweep,
)

__all__ = [
    "OVERRIDE_PERMISSION",
    "QUALIFICATION_FIELDS",
    "UNSET",
    "OverrideNotAllowed",
    "absolute_url",
    "ActivityFields",
    "activity_create",
    "activity_fields",
    "activity_delete",
    "activity_update",
    "api_token_allowed",
    "api_token_rotate",
    "company_update",
    "ContactDetails",
    "consents_record",
    "contact_find_or_create",
    "contact_update",
    "follow_up_digests_send",
    "lead_assign",
    "lead_backdate",
    "history_backdate",
    "lead_mark_reviewed",
    "lead_move_stage",
    "lead_notify_practice",
    "lead_notify_return",
    "lead_open_or_attach",
    "lead_override_allowed",
    "lead_override_recommendation",
    "lead_propose_changes",
    "lead_record_qualification",
    "lead_request_reclassification",
    "lead_set_follow_up",
    "lead_stage_change_problem",
    "lead_update",
    "leads_bulk_open_new",
    "leads_bulk_record_qualification",
    "leads_record_qualification",
    "NewProspect",
    "normalize_email",
    "proposed_changes_decide",
    "staff_profile_set_language",
    "RETRY_SCHEDULE",
    "webhook_delivery_replay",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_notify_disabled",
    "webhook_endpoint_problems",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_set_active",
    "webhook_endpoint_update",
    "webhook_events_collected",
    "webhook_lead_erased",
    "webhook_lead_event",
    "webhook_log_purge",
    "webhook_message_deliver",
    "webhooks_sweep",
]
