"""ISO date prefixes as spans, checked against a day-by-day reference (property-based)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from explorer.text.dates import overlaps, span

days = st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2020, 12, 31))
prefixes = st.tuples(days, st.sampled_from([4, 7, 10])).map(lambda d: d[0].isoformat()[: d[1]])


def days_of(prefix: str) -> set[dt.date]:
    """Every real calendar day the prefix covers."""
    year, month, day = (list(map(int, prefix.split("-"))) + [None, None])[:3]
    start = dt.date(year, month or 1, day or 1)
    if day:
        end = start
    elif month:
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    else:
        end = dt.date(year, 12, 31)
    return {start + dt.timedelta(n) for n in range((end - start).days + 1)}


@given(prefixes, st.one_of(st.none(), prefixes), st.one_of(st.none(), prefixes))
def test_overlap_means_a_shared_day(date: str, date_from: str | None, date_to: str | None) -> None:
    low = min(days_of(date_from)) if date_from else dt.date.min
    high = max(days_of(date_to)) if date_to else dt.date.max
    assert overlaps(date, date_from, date_to) == any(low <= day <= high for day in days_of(date))


@given(prefixes)
def test_span_bounds_the_days(prefix: str) -> None:
    first, last = span(prefix)
    covered = days_of(prefix)
    assert first == min(covered).isoformat() and last >= max(covered).isoformat()


def test_unknown_dates_pass_only_without_bounds() -> None:
    assert overlaps(None, None, None)
    assert not overlaps(None, "2017", None) and not overlaps(None, None, "2017")
