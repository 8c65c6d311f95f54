"""The project's Celery app with faults injected, for the fault tests.

Everything is the real worker except scoring, changed by environment variables:

- ``FAULT_POISON_KEY``: scoring a submission whose stored answers hold this key always
  fails with a transient database error, as if the database dropped every time.
- ``FAULT_SCORING_SECONDS``: scoring takes this long, so a test can kill a process
  while it is surely in the middle of a task.

``worker_factory(app="tests.integration.faulty_celery", FAULT_POISON_KEY=...)``.
"""

import os
import time

from django.db import OperationalError

from config.celery_app import app
from qualification import scoring

POISON_KEY = os.environ.get("FAULT_POISON_KEY")
SCORING_SECONDS = float(os.environ.get("FAULT_SCORING_SECONDS", "0"))
_score = scoring.CompiledRuleset.score


def _faulty_score(self, answers, language="fr"):
    if POISON_KEY and POISON_KEY in answers:
        raise OperationalError("injected fault: the database dropped the connection")
    time.sleep(SCORING_SECONDS)
    return _score(self, answers, language)


scoring.CompiledRuleset.score = _faulty_score

__all__ = ["app"]
