"""How far one crawl may reach: never before EARLIEST, and over at
most LGSCO_MAX_CRAWL_MONTHS months (a window of 0001-01-01 to 9999-12-31 would be 119,987 month
windows of listing requests). The API, the console's form and `lgsco crawl` refuse a longer or
earlier range with the same message; the worker also starts no crawl before EARLIEST."""

from __future__ import annotations

from datetime import date

# A bound, not a fact about the site: the LGSCO keeps a decision on its website for five years
# (then takes it down), so a window more than five years back finds little or nothing. The bound
# leaves a wide margin for pages kept longer, and a few empty listing pages in it cost little.
EARLIEST = date(2010, 1, 1)
DEFAULT_MAX_MONTHS = 120


def months_spanned(start: date, end: date) -> int:
    """Calendar months the window touches (2024-01-31..2024-02-01: 2)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def refusal(start: date, end: date, max_months: int = DEFAULT_MAX_MONTHS) -> str | None:
    """Why a crawl of [start, end] is refused, or None; names the field to change first."""
    if start < EARLIEST:
        return (
            f"'from' ({start}) is before {EARLIEST}, the earliest date a crawl may start "
            "(the LGSCO keeps decisions on its website for five years): start on "
            f"{EARLIEST} or later"
        )
    months = months_spanned(start, end)
    if months > max_months:
        return (
            f"'to' ({end}) is {months} months after 'from' ({start}); one crawl covers at most "
            f"{max_months} months (LGSCO_MAX_CRAWL_MONTHS): request several shorter windows"
        )
    return None
