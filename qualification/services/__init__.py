"""Every write of the qualification app: ``<noun>_<verb>``, keyword-only, typed, atomic.

Split by use case; import from ``qualification.services`` (the names below):

- ``intake``: what a prospect posts, stored in one insert (the form and the API both
  call :func:`submission_intake`), spam kept apart and purged;
- ``sending``: submissions sent to be classified (on commit, by the sweep, on retry);
- ``filing``: a stored submission filed under its contact and lead (the worker's
  first step; a known person's later post becomes proposed changes);
- ``classification``: a submission scored with the current ruleset, the result
  written on the lead, with others in the same run (the classify task's entry point);
- ``claims`` and ``batches``: which run works on which pending submissions, and a
  claimed batch filed and classified in one transaction;
- ``imports`` (and ``import_batches``): CSV imports of leads, run in batches;
- ``rulesets``: drafts edited, versions published and frozen;
- ``reclassification``: stored leads re-scored in bulk;
- ``prospect_mail``: the e-mails a prospect receives (confirmation, private link, the
  answer to a request), each with the one-click unsubscribe headers;
- ``prospect``: what a prospect does from their private page (requests, withdrawal,
  downloads).
"""

from .classification import TRANSIENT_ERRORS, submission_adopt_answers, submission_classify
from .filing import submission_file_lead
from .imports import (
    IMPORT_TASK,
    import_job_confirm,
    import_job_create,
    import_job_remap,
    import_job_run,
    import_job_send,
)
from .intake import (
    IntakeResult,
    spam_excerpt,
    submission_intake,
    submission_receipt,
    submission_receive,
    submission_receive_spam,
    submissions_backdate,
    submissions_purge,
)
from .prospect import (
    private_link_request,
    prospect_data_downloaded,
    prospect_request_erasure,
    prospect_request_review,
    prospect_withdraw_marketing,
)
from .prospect_mail import (
    CONFIRMATION_TASK,
    PRIVACY_ANSWER_TASK,
    PRIVATE_LINK_TASK,
    privacy_answer_send,
    private_link_send,
    prospect_email_send,
    send_after_commit,
    submission_send_confirmation,
    submissions_skip_confirmation,
)
from .reclassification import ReclassifySummary, leads_reclassify
from .rulesets import (
    NoPublishedRuleset,
    RulesetLocked,
    ruleset_add_draft,
    ruleset_create_draft,
    ruleset_publish,
    ruleset_update_draft,
)
from .sending import (
    CLASSIFY_TASK,
    submission_send_to_classify,
    submission_sweep_pending,
    submissions_retry_classification,
)

__all__ = [
    "IMPORT_TASK",
    "import_job_confirm",
    "import_job_create",
    "import_job_remap",
    "import_job_run",
    "import_job_send",
    "CLASSIFY_TASK",
    "CONFIRMATION_TASK",
    "PRIVACY_ANSWER_TASK",
    "PRIVATE_LINK_TASK",
    "TRANSIENT_ERRORS",
    "IntakeResult",
    "NoPublishedRuleset",
    "ReclassifySummary",
    "RulesetLocked",
    "leads_reclassify",
    "privacy_answer_send",
    "private_link_request",
    "prospect_data_downloaded",
    "prospect_request_erasure",
    "prospect_request_review",
    "prospect_withdraw_marketing",
    "private_link_send",
    "prospect_email_send",
    "send_after_commit",
    "ruleset_add_draft",
    "ruleset_create_draft",
    "ruleset_publish",
    "ruleset_update_draft",
    "spam_excerpt",
    "submission_adopt_answers",
    "submission_classify",
    "submission_file_lead",
    "submission_intake",
    "submission_receipt",
    "submission_receive",
    "submission_receive_spam",
    "submission_send_confirmation",
    "submission_send_to_classify",
    "submission_sweep_pending",
    "submissions_backdate",
    "submissions_purge",
    "submissions_retry_classification",
    "submissions_skip_confirmation",
]
