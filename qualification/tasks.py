"""Thin Celery wrappers: take ids, fetch fresh rows, call a service."""

# --- Intake ----------------------------------------------------------------------


# --- Classification ----------------------------------------------------------------
