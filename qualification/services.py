"""Every write of the qualification app: ``<noun>_<verb>``, keyword-only, typed, atomic."""

from __future__ import annotations

# --- Intake: storing submissions and sending them to be classified ------------------


# --- Classification: scoring a submission with a ruleset ----------------------------
