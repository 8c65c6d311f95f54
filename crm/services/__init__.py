"""Every write to the pipeline goes through here: ``<noun>_<verb>``, keyword-only, atomic.

Split by use case; import from ``crm.services`` (the names below), not from its modules:

- ``contacts``: contacts, their companies, the evidence of consents;
- ``leads``: a lead's way through the pipeline (opened or joined, stage, owner,
  override, review, follow-up);
- ``proposals``: what a later post gave differently, for staff to accept or reject;
- ``qualification``: the rules' result on a lead, one at a time or in bulk;
- ``activities``: notes, calls, e-mails and meetings;
- ``notifications``: the e-mails the crm sends;
- ``tokens``: a staff member's own API token;
- ``consents``: a consent confirmed from the person's mailbox (double opt-in), or withdrawn;
- ``privacy``: the register of privacy requests, and what a prospect does themselves.
"""

from .activities import activity_create, activity_delete, activity_update
from .base import UNSET, absolute_url, normalize_email
from .consents import Confirmation, consent_withdraw, consents_confirm
from .contacts import company_update, consents_record, contact_find_or_create, contact_update
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
from .proposals import lead_propose_changes, proposed_changes_decide
from .qualification import (
    QUALIFICATION_FIELDS,
    json_param_from_encoded,
    lead_record_qualification,
    leads_bulk_record_qualification,
)
from .tokens import api_token_allowed, api_token_rotate

__all__ = [
    "OVERRIDE_PERMISSION",
    "Confirmation",
    "QUALIFICATION_FIELDS",
    "UNSET",
    "OverrideNotAllowed",
    "absolute_url",
    "activity_create",
    "activity_delete",
    "activity_update",
    "api_token_allowed",
    "api_token_rotate",
    "company_update",
    "consent_withdraw",
    "consents_confirm",
    "consents_record",
    "contact_find_or_create",
    "contact_update",
    "follow_up_digests_send",
    "json_param_from_encoded",
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
    "lead_propose_changes",
    "lead_record_qualification",
    "lead_request_reclassification",
    "lead_set_follow_up",
    "lead_stage_change_problem",
    "lead_update",
    "leads_bulk_record_qualification",
    "normalize_email",
    "privacy_request_claim_answer",
    "privacy_request_handle",
    "privacy_request_open",
    "privacy_request_release_answer",
    "proposed_changes_decide",
    "prospect_action_record",
    "staff_profile_set_language",
]
