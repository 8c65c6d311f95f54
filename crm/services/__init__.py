"""Every write to the pipeline goes through here: ``<noun>_<verb>``, keyword-only, atomic.

Split by use case; import from ``crm.services`` (the names below), not from its modules:

- ``contacts``: contacts, their companies, the evidence of consents;
- ``filing``: first-time prospects filed many at once (the worker's batches);
- ``leads``: a lead's way through the pipeline (opened or joined, stage, owner,
  override, review, follow-up);
- ``proposals``: what a later post gave differently, for staff to accept or reject;
- ``qualification``: the rules' result on a lead, one at a time or in bulk;
- ``imports``: people brought in by a staff CSV import (new ones in bulk, known ones
  only completed where empty);
- ``activities``: notes, calls, e-mails and meetings;
- ``notifications``: the e-mails the crm sends;
- ``emails``: e-mails staff send to a lead from the practice's templates;
- ``tokens``: a staff member's own API token;
- ``calendar``: a staff member's private calendar feed (its secret address);
- ``consents``: a consent confirmed from the person's mailbox (double opt-in), or withdrawn;
- ``privacy``: the register of privacy requests, and what a prospect does themselves;
- ``privacy_fulfil``, ``privacy_export``, ``erasure``, ``retention``, ``incidents``: the
  privacy operations (requests filed by staff and carried out, the export of a person's
  data, erasure as anonymisation, the retention policy, the incident register);
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
from .calendar import calendar_feed_allowed, calendar_feed_rotate
from .consents import Confirmation, consent_withdraw, consents_confirm
from .contacts import (
    DOUBLE_OPT_IN,
    ContactDetails,
    company_update,
    consent_counts_from,
    consents_record,
    contact_find_or_create,
    contact_update,
)
from .emails import (
    PLACEHOLDERS,
    EmailNotAllowed,
    lead_email_fill,
    lead_email_refusal,
    lead_email_send,
)
from .erasure import ERASE_PERMISSION, AlreadyErased, OpenFollowUps, person_erase
from .filing import NewProspect, leads_bulk_open_new
from .imports import (
    FILLABLE_COMPANY_FIELDS,
    FILLABLE_CONTACT_FIELDS,
    ImportedPerson,
    contact_fill_empty,
    contact_record_refusals,
    people_import,
)
from .incidents import incident_save
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
from .privacy import (
    lead_correct_by_prospect,
    privacy_request_claim_answer,
    privacy_request_handle,
    privacy_request_open,
    privacy_request_release_answer,
    prospect_action_record,
)
from .privacy_export import EXPORT_PERMISSION, ExportNotAllowed, person_data, person_export
from .privacy_fulfil import (
    RequestClosed,
    privacy_request_due_at,
    privacy_request_file,
    privacy_request_fulfil,
)
from .proposals import (
    lead_note_returning_result,
    lead_propose_changes,
    proposed_changes_decide,
)
from .qualification import (
    QUALIFICATION_FIELDS,
    lead_record_qualification,
    leads_bulk_record_qualification,
    leads_record_qualification,
)
from .retention import RetentionPlan, retention_apply, retention_plan
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
    "DOUBLE_OPT_IN",
    "consent_counts_from",
    "ERASE_PERMISSION",
    "EXPORT_PERMISSION",
    "AlreadyErased",
    "ExportNotAllowed",
    "OpenFollowUps",
    "RequestClosed",
    "RetentionPlan",
    "incident_save",
    "person_data",
    "person_erase",
    "person_export",
    "privacy_request_due_at",
    "privacy_request_file",
    "privacy_request_fulfil",
    "retention_apply",
    "retention_plan",
    "PLACEHOLDERS",
    "EmailNotAllowed",
    "lead_email_fill",
    "lead_email_refusal",
    "lead_email_send",
    "FILLABLE_COMPANY_FIELDS",
    "FILLABLE_CONTACT_FIELDS",
    "ImportedPerson",
    "contact_fill_empty",
    "contact_record_refusals",
    "people_import",
    "OVERRIDE_PERMISSION",
    "Confirmation",
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
    "calendar_feed_allowed",
    "calendar_feed_rotate",
    "company_update",
    "ContactDetails",
    "consent_withdraw",
    "consents_confirm",
    "consents_record",
    "contact_find_or_create",
    "contact_update",
    "follow_up_digests_send",
    "lead_assign",
    "lead_backdate",
    "lead_correct_by_prospect",
    "history_backdate",
    "lead_mark_reviewed",
    "lead_move_stage",
    "lead_notify_practice",
    "lead_notify_return",
    "lead_open_or_attach",
    "lead_override_allowed",
    "lead_override_recommendation",
    "lead_note_returning_result",
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
    "privacy_request_claim_answer",
    "privacy_request_handle",
    "privacy_request_open",
    "privacy_request_release_answer",
    "proposed_changes_decide",
    "prospect_action_record",
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
