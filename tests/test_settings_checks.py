"""Issue 11: every setting the apps read has a system check for bad values."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from crm.checks import CRM_SETTINGS_RULES
from qualification.checks import QUALIFICATION_SETTINGS_RULES

BAD = {
    "CRM_PRACTICE_EMAIL": "not an address",
    "CRM_NOTIFY_FIT_SCORE_AT_LEAST": 101,
    "CRM_PRACTICE_LANGUAGE": "de",
    "CRM_LIST_COUNT_LIMIT": 0,
    "QUALIFICATION_SUBMISSION_RATE": "twenty a minute",
    "QUALIFICATION_MAX_SUBMISSION_BYTES": 10,
    "QUALIFICATION_IDEMPOTENCY_KEY_HOURS": 0,
    "QUALIFICATION_SPAM_EXCERPT_CHARS": -1,
    "QUALIFICATION_SPAM_RETENTION_DAYS": "30",
    "QUALIFICATION_SHOW_RESULT_TO_PROSPECT": "yes",
    "QUALIFICATION_RESEND_PENDING_AFTER": 0,
    "QUALIFICATION_SWEEP_BATCH_SIZE": 0,
    "QUALIFICATION_QUESTIONNAIRE_CACHE_SECONDS": -1,
    "QUALIFICATION_PRACTICE_NAME": 3,
    "QUALIFICATION_PRIVACY_POLICY_URL": "privacy.html",
    "QUALIFICATION_MAX_ATTEMPTS": 0,
    "QUALIFICATION_RECLASSIFY_BATCH_SIZE": True,
}


def test_every_setting_with_a_rule_has_a_bad_value_here():
    ruled = {f"CRM_{name}" for name in CRM_SETTINGS_RULES} | {
        f"QUALIFICATION_{name}" for name in QUALIFICATION_SETTINGS_RULES
    }
    assert ruled == set(BAD)


@pytest.mark.parametrize(("name", "value"), BAD.items())
def test_a_bad_value_is_an_error_that_names_the_setting(settings, name, value):
    setattr(settings, name, value)
    errors = [e for e in run_checks() if e.id in ("crm.E003", "qualification.E002")]
    assert [name in e.msg for e in errors] == [True]


def test_the_defaults_pass():
    assert [e for e in run_checks() if e.id in ("crm.E003", "qualification.E002")] == []
