"""The qualification app's own settings, with defaults, read when used (django-allauth style).

A host project sets them as ``QUALIFICATION_<NAME>`` in its settings.
"""

from django.conf import settings


class AppSettings:
    prefix = "QUALIFICATION_"

    def _get(self, name, default):
        return getattr(settings, self.prefix + name, default)

    # --- Intake -------------------------------------------------------------------

    @property
    def SUBMISSION_RATE(self) -> str:
        """Public submissions per client address, in DRF rate syntax (``20/minute``)."""
        return self._get("SUBMISSION_RATE", "20/minute")

    @property
    def MAX_SUBMISSION_BYTES(self) -> int:
        """A public submission body larger than this is refused with 413."""
        return self._get("MAX_SUBMISSION_BYTES", 64 * 1024)

    @property
    def IDEMPOTENCY_KEY_HOURS(self) -> int:
        """How long an ``Idempotency-Key`` (or the web form's token) is remembered."""
        return self._get("IDEMPOTENCY_KEY_HOURS", 24)

    @property
    def SPAM_EXCERPT_CHARS(self) -> int:
        """How much of a spam post (caught by the honeypot) is kept for staff to see."""
        return self._get("SPAM_EXCERPT_CHARS", 2000)

    @property
    def SPAM_RETENTION_DAYS(self) -> int:
        """Spam is deleted this many days after it came in (a daily task)."""
        return self._get("SPAM_RETENTION_DAYS", 30)

    @property
    def SHOW_RESULT_TO_PROSPECT(self) -> bool:
        """Whether the thank-you page and the status API show the recommendation."""
        return self._get("SHOW_RESULT_TO_PROSPECT", False)

    @property
    def RESEND_PENDING_AFTER(self) -> int:
        """Seconds after which the sweep sends a still-pending submission again."""
        return self._get("RESEND_PENDING_AFTER", 120)

    @property
    def SWEEP_BATCH_SIZE(self) -> int:
        """How many pending submissions the sweep reads from the database at a time."""
        return self._get("SWEEP_BATCH_SIZE", 200)

    @property
    def QUESTIONNAIRE_CACHE_SECONDS(self) -> float:
        """How long a web process trusts the current questionnaire it read before asking
        the database again (0: every time). Saving one in this process forgets it at
        once; other processes see a newly published version within this delay."""
        return self._get("QUESTIONNAIRE_CACHE_SECONDS", 5)

    @property
    def PRACTICE_NAME(self) -> str:
        """The practice's name on the public pages; empty for the translated default."""
        return self._get("PRACTICE_NAME", "")

    @property
    def PRIVACY_POLICY_URL(self) -> str:
        """A link to the full privacy policy, shown beside the privacy notice when set."""
        return self._get("PRIVACY_POLICY_URL", "")

    # --- Classification ------------------------------------------------------------

    @property
    def MAX_ATTEMPTS(self) -> int:
        """Runs of the classify task before a submission is marked failed (staff can retry)."""
        return self._get("MAX_ATTEMPTS", 5)

    @property
    def RECLASSIFY_BATCH_SIZE(self) -> int:
        """Leads re-scored per database round in ``reclassify`` and on staff requests."""
        return self._get("RECLASSIFY_BATCH_SIZE", 1000)


app_settings = AppSettings()
