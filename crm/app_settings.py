"""The crm app's own settings, ``CRM_<NAME>`` in the host's settings (see ``crm.conf``)."""

from django.conf import settings
from django.utils.module_loading import import_string

from .conf import AppSettings, Rule, Setting, boolean, email_or_empty, one_of, text, whole_number

list_of_text = Rule(
    "a list of text", lambda v: isinstance(v, list | tuple) and all(isinstance(i, str) for i in v)
)


def _is_adapter_path(value) -> bool:
    from .adapter import CrmAdapter  # the adapter reads these settings

    try:
        adapter = import_string(value)
    except (ImportError, TypeError, ValueError):
        return False
    return isinstance(adapter, type) and issubclass(adapter, CrmAdapter)


class CrmSettings(AppSettings):
    prefix = "CRM_"

    PRACTICE_EMAIL = Setting(
        "", email_or_empty, "Where new-lead notifications go when a lead has no owner."
    )
    NOTIFY_FIT_SCORE_AT_LEAST = Setting(
        70, whole_number(0, 100), "A new lead at or above this fit score is announced."
    )
    PRACTICE_LANGUAGE = Setting(
        lambda: settings.LANGUAGE_CODE[:2],
        one_of("fr", "en"),
        "The language of the practice's notifications (the site's language by default).",
    )
    SITE_URL = Setting(
        "",
        text,  # crm.W001 says when it is not an absolute address outside development
        "The site's public address, e.g. ``https://leads.example.com``: every link in an "
        "e-mail starts with it. Empty leaves the links relative to the site.",
    )
    LIST_COUNT_LIMIT = Setting(
        10_000, whole_number(1), "The admin's lead list counts matching leads exactly up to this."
    )
    API_TOKEN_MAX_AGE_DAYS = Setting(
        90,
        # Up to a century: beyond, the expiry date would not fit in a datetime.
        whole_number(1, 36_500),
        "Days a staff API token works after it is issued; then it must be rotated.",
        check_id="crm.E002",
    )
    BOARD_CARDS_PER_COLUMN = Setting(
        25,
        whole_number(1, 500),
        "Cards shown in each column of the pipeline board; the rest are behind a "
        '"more" link to the lead list filtered by that stage.',
    )
    CALENDAR_MAX_ITEMS = Setting(
        500,
        whole_number(1, 10_000),
        "Follow-ups and activities shown at most on one page of the follow-up calendar "
        "(each kind); past it the page says so and asks for a narrower view.",
    )
    CALENDAR_FEED_PAST_DAYS = Setting(
        14,
        whole_number(0, 365),
        "How many days back a staff member's iCalendar feed starts.",
    )
    CALENDAR_FEED_FUTURE_DAYS = Setting(
        90,
        whole_number(1, 730),
        "How many days ahead a staff member's iCalendar feed goes.",
    )
    ADAPTER = Setting(
        "crm.adapter.CrmAdapter",
        Rule("the dotted path of a subclass of crm.adapter.CrmAdapter", _is_adapter_path),
        "Who is told about a lead and how (``crm.adapter``): replace it to notify other "
        "people or through another channel.",
    )

    # Outbound webhooks (crm.services.webhooks, README "Webhooks").
    WEBHOOK_ALLOW_PRIVATE_NETWORKS = Setting(
        False,
        boolean,
        "Whether webhooks may go to loopback, private, link-local, reserved or metadata "
        "addresses (and to plain http). Off in production; development and tests turn it on.",
    )
    WEBHOOK_TIMEOUT_SECONDS = Setting(
        15, whole_number(1, 60), "How long a receiver has to answer a webhook."
    )
    WEBHOOK_DISABLE_AFTER_DAYS = Setting(
        5,
        whole_number(1, 365),
        "An endpoint whose deliveries fail for this many days is disabled (staff are told).",
    )
    WEBHOOK_PREVIOUS_SECRET_HOURS = Setting(
        24,
        whole_number(0, 24 * 30),
        "After a secret rotation, messages are signed with the previous secret too for "
        "this many hours.",
    )
    WEBHOOK_LOG_RETENTION_DAYS = Setting(
        30,
        whole_number(1, 3650),
        "Days the delivery log (and finished messages) are kept (daily task "
        "``crm.tasks.purge_webhook_log``).",
    )
    WEBHOOK_RESPONSE_EXCERPT_CHARS = Setting(
        1000, whole_number(0, 65_536), "How much of a receiver's answer the log keeps."
    )
    WEBHOOK_RESEND_AFTER = Setting(
        30,
        whole_number(0),
        "Seconds a due message waits before the sweep (``crm.tasks.sweep_webhooks``) "
        "sends it again (its own task was lost, e.g. Redis was down).",
    )
    PRIVACY_REQUEST_DUE_DAYS = Setting(
        30,
        whole_number(1, 365),
        "Days the practice has to answer a privacy request (Law 25: 30); its due date.",
    )

    # Privacy operations (Law 25, CASL): README "Privacy operations".
    PRIVACY_OFFICER = Setting(
        "",
        text,
        "The person in charge of the protection of personal information (Law 25, s. 3.1) "
        "as the notices name them, e.g. ``Jeanne Roy, president, privacy@example.com``. "
        "Empty: the notices name the person with the highest authority in the practice, "
        "whom the law puts in charge by default.",
    )
    RETENTION_INACTIVE_LEAD_MONTHS = Setting(
        24,
        whole_number(1, 600),
        "A person whose leads are all lost, disqualified or never answered (new or "
        "contacted) is anonymised after this many months without activity (never with "
        "an open follow-up, never a customer).",
    )
    RETENTION_CONSENT_EVIDENCE_YEARS = Setting(
        3,
        whole_number(1, 50),
        "The evidence of a consent (IP address, user agent, source) is kept as long as "
        "the consent counts and this many years after it ended (withdrawn, replaced, or "
        "never confirmed); then it is blanked. The ledger row itself stays.",
    )
    RETENTION_EXPORT_DAYS = Setting(
        30,
        whole_number(1, 3650),
        "Days a stored export of a person's data is kept for the staff API; the log "
        "line (who, when, why) stays.",
    )
    RETENTION_INCIDENT_YEARS = Setting(
        5,
        whole_number(5, 100),
        "Years a confidentiality incident is kept after the practice learned of it "
        "(the regulation: at least 5); then the retention task deletes it.",
    )
    ERASURE_HASH_KEY = Setting(
        "",
        text,
        "The key of the keyed hash (HMAC-SHA256) of an erased person's e-mail address. "
        "Empty: derived from SECRET_KEY (and SECRET_KEY_FALLBACKS are tried when "
        "checking). Set it to keep the hashes independent of SECRET_KEY rotations.",
    )
    ERASURE_HASH_PREVIOUS_KEYS = Setting(
        [],
        list_of_text,
        "Earlier values of CRM_ERASURE_HASH_KEY, still tried when checking whether an "
        "address was erased (keep them as long as hashes made with them are kept).",
    )


app_settings = CrmSettings()
