"""Business days in Québec, for CASL's unsubscribe deadline (10 business days).

A business day is a weekday that is not one of Québec's statutory holidays
(*jours fériés et chômés*):

- January 1, the Monday before May 25 (National Patriots' Day), the first Monday of
  September (Labour Day), the second Monday of October (Thanksgiving) and December 25:
  Act respecting labour standards (CQLR c N-1.1), s. 60. None of them moves when it
  falls on a weekend: the law gives an indemnity instead, and a weekend is no business
  day anyway.
- Good Friday **or** Easter Monday, "at the employer's choice" (same s. 60): this
  practice takes **Good Friday**.
- July 1, or July 2 when July 1 is a Sunday (same s. 60).
- June 24, the National Holiday (*Fête nationale*), or June 25 when June 24 is a Sunday
  (National Holiday Act, CQLR c F-1.1, s. 2: for employees who do not normally work on
  Sunday, which is the practice's case).

Easter is computed (:func:`easter_sunday`, the anonymous Gregorian algorithm of Meeus,
Jones and Butcher), never read from a table of years.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Easter Sunday of ``year`` in the Gregorian calendar (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _sunday_moves_to_monday(day: date) -> date:
    return day + timedelta(days=1) if day.weekday() == 6 else day


@lru_cache(maxsize=64)
def quebec_holidays(year: int) -> dict[date, str]:
    """Québec's statutory holidays of ``year``: ``{date: name}`` (names in English)."""
    may_25 = date(year, 5, 25)
    # The Monday strictly before May 25 (May 18 to 24).
    patriots = may_25 - timedelta(days=(may_25.weekday() or 7))
    return {
        date(year, 1, 1): "New Year's Day",
        easter_sunday(year) - timedelta(days=2): "Good Friday",
        patriots: "National Patriots' Day",
        _sunday_moves_to_monday(date(year, 6, 24)): "National Holiday (Saint-Jean-Baptiste)",
        _sunday_moves_to_monday(date(year, 7, 1)): "Canada Day",
        _nth_monday(year, 9, 1): "Labour Day",
        _nth_monday(year, 10, 2): "Thanksgiving",
        date(year, 12, 25): "Christmas Day",
    }


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in quebec_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    day = start
    while days:
        day += timedelta(days=1)
        if is_business_day(day):
            days -= 1
    return day
