"""Financial years, the year councils report complaints in: 1 April to 31 March, written 2023-24."""

from __future__ import annotations

import re
from datetime import date

_FINANCIAL_YEAR = re.compile(r"^(\d{4})-(\d{2})$")
FINANCIAL_YEAR_HELP = "a financial year is written like 2023-24 (1 April 2023 to 31 March 2024)"


class InvalidFinancialYear(ValueError):
    pass


def financial_year_bounds(value: str) -> tuple[date, date]:
    """'2023-24' -> (2023-04-01, 2024-03-31): the year councils report complaints in."""
    match = _FINANCIAL_YEAR.match(value)
    if match is None:
        raise InvalidFinancialYear(f"{value!r} is not a financial year: {FINANCIAL_YEAR_HELP}")
    start = int(match.group(1))
    if not 1900 <= start <= 2998:  # 9999-00 would end in the year 10000, past any date
        raise InvalidFinancialYear(f"{value!r} is not a financial year between 1900-01 and 2998-99")
    if int(match.group(2)) != (start + 1) % 100:
        raise InvalidFinancialYear(
            f"{value!r} is not a financial year: the second part must be the year after "
            f"the first ({start}-{(start + 1) % 100:02d})"
        )
    return date(start, 4, 1), date(start + 1, 3, 31)


def financial_year_of(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"
