"""ISO date prefixes (``2017``, ``2017-03``, ``2017-03-20``) as spans of days.

The sources date things as precisely as they can, so a date is a span: ``2019-05`` runs from
2019-05-01 to 2019-05-31. Filters keep what overlaps the asked range. (Every month is given 31
days: only the comparison of ISO strings matters, never the calendar.)
"""

from __future__ import annotations


def span(prefix: str) -> tuple[str, str]:
    """First and last day of the span, as ISO strings that compare correctly."""
    parts = prefix.split("-")
    return "-".join(parts + ["01", "01"][len(parts) - 1 :]), "-".join(parts + ["12", "31"][len(parts) - 1 :])


def overlaps(date: str | None, date_from: str | None, date_to: str | None) -> bool:
    """Whether ``date`` can fall within [date_from, date_to] (either bound may be missing).

    With no bound everything passes; with a bound, an unknown date does not (it cannot be placed).
    """
    if date_from is None and date_to is None:
        return True
    if date is None:
        return False
    first, last = span(date)
    return (date_from is None or last >= span(date_from)[0]) and (date_to is None or first <= span(date_to)[1])
