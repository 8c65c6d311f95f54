"""What the qualification services share: which errors are transient, retrying a transaction
that lost a race."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
)

logger = logging.getLogger(__name__)

#: Errors worth another try later (a locked or unreachable database); anything else
#: is a defect that trying again will not fix.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


# A race on a unique row (the same new e-mail or Idempotency-Key posted twice at once)
# rolls back the loser's whole transaction; it then tries again and finds the winner.
_STORE_ATTEMPTS = 3


def retrying_races(write: Callable[[], Any], what: str) -> Any:
    """Run ``write`` (one transaction); a race on a unique row rolls it back whole, and
    it runs again (it then finds the winner's row)."""
    for attempt in range(1, _STORE_ATTEMPTS + 1):
        try:
            return write()
        except IntegrityError:
            if attempt == _STORE_ATTEMPTS:
                raise
            logger.info("%s raced with another one (attempt %s); retrying", what, attempt)
    raise AssertionError("unreachable")
