"""Issue 11: every setting the apps read has a system check for bad values."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from crm.app_settings import app_settings as crm_settings
from qualification.app_settings import app_settings as qualification_settings

CHECK_IDS = ("crm.E002", "crm.E003", "qualification.E002")

BAD = {
    "CRM_PRACTICE_EMAIL": "not an address",
    "CRM_NOTIFY_FIT_SCORE_AT_LEAST": 101,
    "CRM_PRACTICE_LANGUAGE": "de",
    "CRM_LIST_COUNT_LIMIT": 0,
    "CRM_SITE_URL": 3,
    "CRM_API_TOKEN_MAX_AGE_DAYS": 36_501,
    "CRM_ADAPTER": "crm.models.Lead",
    "CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "yes",
    "CRM_WEBHOOK_TIMEOUT_SECONDS": 0,
    "CRM_WEBHOOK_DISABLE_AFTER_DAYS": 0,
    "CRM_WEBHOOK_PREVIOUS_SECRET_HOURS": -1,
    "CRM_WEBHOOK_LOG_RETENTION_DAYS": "30",
    "CRM_WEBHOOK_RESPONSE_EXCERPT_CHARS": None,
    "CRM_WEBHOOK_RESEND_AFTER": 1.5,
    "CRM_BOARD_CARDS_PER_COLUMN": 0,
    "CRM_CALENDAR_MAX_ITEMS": "500",
    "CRM_CALENDAR_FEED_PAST_DAYS": -1,
    "CRM_CALENDAR_FEED_FUTURE_DAYS": 731,
    "CRM_PRIVACY_REQUEST_DUE_DAYS": 0,
    "CRM_PRIVACY_OFFICER": None,
    "CRM_RETENTION_INACTIVE_LEAD_MONTHS": 0,
    "CRM_RETENTION_CONSENT_EVIDENCE_YEARS": "3",
    "CRM_RETENTION_EXPORT_DAYS": 0,
    "CRM_RETENTION_INCIDENT_YEARS": 4,
    "CRM_ERASURE_HASH_KEY": b"bytes",
    "CRM_ERASURE_HASH_PREVIOUS_KEYS": "one-key",
    "QUALIFICATION_SUBMISSION_RATE": "twenty a minute",
    "QUALIFICATION_MAX_SUBMISSION_BYTES": 10,
    "QUALIFICATION_IDEMPOTENCY_KEY_HOURS": 0,
    "QUALIFICATION_SPAM_EXCERPT_CHARS": -1,
    "QUALIFICATION_SPAM_RETENTION_DAYS": "30",
    "QUALIFICATION_FAILED_RETENTION_DAYS": 0,
    "QUALIFICATION_IMPORT_FILE_RETENTION_DAYS": 0,
    "QUALIFICATION_SHOW_RESULT_TO_PROSPECT": "yes",
    "QUALIFICATION_RESEND_PENDING_AFTER": 0,
    "QUALIFICATION_SWEEP_BATCH_SIZE": 0,
    "QUALIFICATION_QUESTIONNAIRE_CACHE_SECONDS": -1,
    "QUALIFICATION_PRACTICE_NAME": 3,
    "QUALIFICATION_PRIVACY_POLICY_URL": "privacy.html",
    "QUALIFICATION_BOOKING_URL": "https://cal.com/x?name={first_name}",
    "QUALIFICATION_BOOKING_MIN_GRADE": "E",
    "QUALIFICATION_RESOURCE_URL": "guide.pdf",
    "QUALIFICATION_PROSPECT_LINK_DAYS": 0,
    "QUALIFICATION_PRIVATE_LINK_RATE": "often",
    "QUALIFICATION_MAX_ATTEMPTS": 0,
    "QUALIFICATION_CLASSIFY_BATCH_SIZE": 0,
    "QUALIFICATION_CLAIM_SECONDS": 0,
    "QUALIFICATION_RECLASSIFY_BATCH_SIZE": True,
    "QUALIFICATION_IMPORT_MAX_BYTES": 10,
    "QUALIFICATION_IMPORT_MAX_ROWS": 0,
    "QUALIFICATION_IMPORT_MAX_CELL_CHARS": 1_000_000,
    "QUALIFICATION_IMPORT_BATCH_SIZE": "1000",
}


def test_every_declared_setting_has_a_bad_value_here():
    declared = {
        f"{app.prefix}{name}"
        for app in (crm_settings, qualification_settings)
        for name in app.declared()
    }
    assert declared == set(BAD)


@pytest.mark.parametrize(("name", "value"), BAD.items())
def test_a_bad_value_is_an_error_that_names_the_setting(settings, name, value):
    setattr(settings, name, value)
    errors = [e for e in run_checks() if e.id in CHECK_IDS]
    assert [name in e.msg for e in errors] == [True]


def test_the_defaults_pass():
    assert [e for e in run_checks() if e.id in CHECK_IDS] == []
