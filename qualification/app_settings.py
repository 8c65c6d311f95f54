"""The qualification app's own settings, ``QUALIFICATION_<NAME>`` in the host's settings
(declared as ``crm.conf`` describes: default, valid values, docstring)."""

from crm.conf import AppSettings, Rule, Setting, boolean, number, text, url_or_empty, whole_number


def _is_rate(value) -> bool:
    from .throttles import parse_rate  # the throttles read these settings

    try:
        parse_rate(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


rate = Rule("a rate such as 20/minute", _is_rate)


class QualificationSettings(AppSettings):
    prefix = "QUALIFICATION_"

    # --- Intake -------------------------------------------------------------------
    SUBMISSION_RATE = Setting(
        "20/minute", rate, "Public submissions per client address (DRF rate syntax)."
    )
    MAX_SUBMISSION_BYTES = Setting(
        64 * 1024, whole_number(1024), "A public submission body larger than this gets 413."
    )
    IDEMPOTENCY_KEY_HOURS = Setting(
        24, whole_number(1), "How long an Idempotency-Key (or the form's token) is remembered."
    )
    SPAM_EXCERPT_CHARS = Setting(
        2000, whole_number(0), "How much of a spam post (the honeypot's catch) staff may see."
    )
    SPAM_RETENTION_DAYS = Setting(
        30, whole_number(1), "Spam is deleted this many days after it came in (a daily task)."
    )
    SHOW_RESULT_TO_PROSPECT = Setting(
        False, boolean, "Whether the thank-you page and the status API show the result."
    )
    RESEND_PENDING_AFTER = Setting(
        120, number(1), "Seconds after which the sweep sends a still-pending submission again."
    )
    SWEEP_BATCH_SIZE = Setting(
        200, whole_number(1), "Pending submissions the sweep reads from the database at a time."
    )
    QUESTIONNAIRE_CACHE_SECONDS = Setting(
        5,
        number(0),
        "How long a web process trusts the current questionnaire it read before asking the "
        "database again (0: every time). Saving one in this process forgets it at once; "
        "other processes see a newly published version within this delay.",
    )
    PRACTICE_NAME = Setting(
        "", text, "The practice's name on the public pages; empty for the translated default."
    )
    PRIVACY_POLICY_URL = Setting(
        "", url_or_empty, "A link to the full privacy policy, shown beside the privacy notice."
    )

    # --- Classification ------------------------------------------------------------
    MAX_ATTEMPTS = Setting(
        5, whole_number(1), "Runs of the classify task before a submission is marked failed."
    )
    CLASSIFY_BATCH_SIZE = Setting(
        100,
        whole_number(1),
        "Pending submissions a run of the classify task files and classifies together "
        "(its own and others never tried yet); 1 classifies each alone.",
    )
    CLAIM_SECONDS = Setting(
        30,
        number(1),
        "How long a run's claim on a batch holds: another message for a claimed "
        "submission waits this long at most before it takes it over (a killed worker).",
    )
    RECLASSIFY_BATCH_SIZE = Setting(
        1000, whole_number(1), "Leads re-scored per database round by ``reclassify``."
    )


app_settings = QualificationSettings()
