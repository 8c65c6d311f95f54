"""The qualification app's own settings, ``QUALIFICATION_<NAME>`` in the host's settings
(declared as ``crm.conf`` describes: default, valid values, docstring)."""

from crm.conf import (
    AppSettings,
    Rule,
    Setting,
    boolean,
    is_absolute_http_url,
    number,
    one_of,
    text,
    url_or_empty,
    whole_number,
)


def _is_rate(value) -> bool:
    from .throttles import parse_rate  # the throttles read these settings

    try:
        parse_rate(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


rate = Rule("a rate such as 20/minute", _is_rate)


def _is_booking_url(value) -> bool:
    """Empty, or an absolute http(s) address once its ``{name}``/``{email}`` are filled."""
    if value == "":
        return True
    if not isinstance(value, str):
        return False
    filled = value.replace("{name}", "x").replace("{email}", "x")
    return "{" not in filled and "}" not in filled and is_absolute_http_url(filled)


booking_url = Rule(
    "an absolute http(s) address (with {name} and {email} where the service takes them), or empty",
    _is_booking_url,
)


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
    FAILED_RETENTION_DAYS = Setting(
        90,
        whole_number(1, 3650),
        "Submissions that could not be classified (failed) are deleted this many days "
        "after they came in, by the retention task (``apply_retention``); never one "
        "whose lead has an open follow-up.",
    )
    IMPORT_FILE_RETENTION_DAYS = Setting(
        30,
        whole_number(1),
        "Days an import's file and its per-row report (every row's address) are kept; then "
        "they are emptied by the retention task and only the job's counts remain.",
    )
    SHOW_RESULT_TO_PROSPECT = Setting(
        True,
        boolean,
        "Whether the thank-you page, the status API and the confirmation e-mail show the "
        "result (the recommendation, its reasons and the automated-decision notice).",
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

    # --- The prospect's side: next step, e-mails, private page -----------------------
    BOOKING_URL = Setting(
        "",
        booking_url,
        "The practice's booking page (Calendly, Cal.com, Microsoft Bookings, ...), offered "
        "to leads graded BOOKING_MIN_GRADE or better. ``{name}`` and ``{email}`` in it are "
        "replaced by the prospect's, URL-encoded, e.g. "
        "``https://cal.com/practice/intro?name={name}&email={email}``. Empty: no booking link.",
    )
    BOOKING_MIN_GRADE = Setting(
        "B",
        one_of("A", "B", "C", "D"),
        "The lowest fit grade offered the booking link; lower grades get the softer step.",
    )
    RESOURCE_URL = Setting(
        "",
        url_or_empty,
        "The softer next step for leads below BOOKING_MIN_GRADE (or with no booking page): "
        "a resource to read. Empty: the page says the practice will write to them.",
    )
    PROSPECT_LINK_DAYS = Setting(
        14,
        whole_number(1, 365),
        "Days a link to the private page or to confirm a consent works after it is sent.",
    )
    PRIVATE_LINK_RATE = Setting(
        "5/hour",
        rate,
        "Requests for a new private-page link, per client address and per e-mail address.",
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

    # --- CSV import ------------------------------------------------------------------
    IMPORT_MAX_BYTES = Setting(
        50 * 1024 * 1024,
        whole_number(1024),
        "A CSV file to import larger than this (in bytes) is refused before it is read.",
    )
    IMPORT_MAX_ROWS = Setting(
        100_000,
        whole_number(1),
        "A CSV file with more rows than this is refused as a whole (nothing imported).",
    )
    IMPORT_MAX_CELL_CHARS = Setting(
        5000,
        whole_number(100, 100_000),
        "A row with a longer cell is reported as an error (the csv module reads at most "
        "131072 characters a cell).",
    )
    IMPORT_BATCH_SIZE = Setting(
        1000,
        whole_number(1, 10_000),
        "Rows written per transaction by an import (each row is whole in one batch).",
    )


app_settings = QualificationSettings()
