"""The days an inventory is judged on: single dates, or a series written as an ISO 8601 repeating
interval (`R12/2027-01-01/P1M`: twelve days, every first of the month of 2027)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from compliance.models.errors import UsageError

#: Days one run may be judged on: a day a row for every date is one more column and one more judging.
MAX_DAYS = 366

#: (At most nine digits a number: a count or a period of thousands of digits is no series, and Python
#: refuses to read an integer of over 4,300 digits.)
_SERIES = re.compile(
    r"R(?P<count>\d{1,9})/(?P<start>[^/]+)/P(?:(?P<y>\d{1,9})Y)?(?:(?P<m>\d{1,9})M)?(?:(?P<w>\d{1,9})W)?(?:(?P<d>\d{1,9})D)?"
)
_EXPECTED = "expected YYYY-MM-DD, or a series such as R12/2027-01-01/P1M (12 days, one month apart)"


def _months_later(start: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later; a day the month lacks is its last day (31 January
    plus one month is 28 or 29 February), as ISO 8601 and calendars count months."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


def _series(value: str, option: str) -> list[dt.date] | None:
    match = _SERIES.fullmatch(value)
    if match is None:
        return None
    count = int(match["count"])
    years, months, weeks, days = (int(match[k] or 0) for k in ("y", "m", "w", "d"))
    if not (years or months or weeks or days):
        raise UsageError(f"'{value}': the period after P is empty; {_EXPECTED}", field=option)
    if not 1 <= count <= MAX_DAYS:
        raise UsageError(f"'{value}': {count} days; a run is judged on 1 to {MAX_DAYS} days", field=option)
    try:
        start = dt.date.fromisoformat(match["start"])
    except ValueError:
        raise UsageError(f"'{value}': '{match['start']}' is not a date; {_EXPECTED}", field=option) from None
    out: list[dt.date] = []
    try:
        # Each day from the start (never from the day before): months do not drift (31 Jan, 28 Feb, 31 Mar).
        for k in range(count):
            out.append(
                _months_later(start, 12 * years * k + months * k)
                + dt.timedelta(weeks=weeks * k, days=days * k)
            )
    except (ValueError, OverflowError):
        raise UsageError(f"'{value}': the series runs past the year 9999", field=option) from None
    return out


def judging_days(values: list[str], option: str = "--as-of") -> list[dt.date]:
    """Every day asked for, in order and once each (none: an empty list, the caller's default)."""
    days: set[dt.date] = set()
    for value in values:
        text = value.strip()
        series = _series(text, option)
        if series is None:
            try:
                series = [dt.date.fromisoformat(text)]
            except ValueError:
                raise UsageError(f"'{value}' is not a date; {_EXPECTED}", field=option) from None
        days.update(series)
        if len(days) > MAX_DAYS:
            raise UsageError(
                f"more than {MAX_DAYS} days asked for; a run is judged on at most {MAX_DAYS}", field=option
            )
    return sorted(days)
