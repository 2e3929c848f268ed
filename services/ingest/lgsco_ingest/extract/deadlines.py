"""Deadline arithmetic for agreed actions: "within one month of the final decision" -> a date.

The LGSCO words deadlines relative to its final decision ("Within three months of the final
decision, the Council will: ..."). A deadline with no anchor ("within four weeks") is read the
same way. One anchored on some other event ("within two weeks of receiving the assessment") has
no computable date: we keep its text and return None rather than guess.

- months are calendar months, clamped to the end of a short month (31 Jan + 1 month = 29 Feb);
- weeks and days are calendar days, and the result is not moved off a weekend: the LGSCO counts
  to the date, and councils report against that date;
- working (business) days skip weekends and England and Wales bank holidays, from `holidays`
  (the LGSCO covers England only, whose bank holidays Wales shares).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

import holidays

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90}
NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    **{word: value for value, word in enumerate(_UNITS)},
    **_TENS,
}

# "20", "one", "twenty-eight", "twenty eight", "a"
_NUMBER = (
    r"(?:\d{1,3}|(?:twenty|thirty|forty|fifty|sixty|ninety)(?:[- ](?:one|two|three|four|five"
    r"|six|seven|eight|nine))?|" + "|".join(sorted(_UNITS[1:], key=len, reverse=True)) + r"|an?)"
)
_UNIT = r"(?:(?:calendar\s+)?months?|weeks?|(?:(?:working|business|calendar|clear)\s+)?days?)"
# "of the final decision", "from the date of my final decision", "of this statement"
_DECISION_ANCHOR = (
    r"\s+(?:of|from|after|following)\s+(?:the\s+date\s+of\s+)?(?:the|this|my|our)\s+"
    r"(?:final\s+)?(?:decision|statement|report)(?:\s+statement)?\b"
)
# "of receiving the Council's report" and the like: kept as text, never computed
_OTHER_ANCHOR = (
    r"\s+(?:of|from|after|following)\s+[^,;:.()]{1,60}?(?=[,;:.()]|\s+(?:and|the\s+council)\b|$)"
)
_MONTHS = "|".join(calendar.month_name[1:])

DEADLINE = re.compile(
    rf"\b(?:within|no\s+later\s+than|not\s+later\s+than|in\s+the\s+next)\s+(?:the\s+next\s+)?"
    rf"(?P<number>{_NUMBER})(?:\s*\(\d+\))?\s+(?P<unit>{_UNIT})"
    rf"(?:(?P<decision>{_DECISION_ANCHOR})|(?P<other>{_OTHER_ANCHOR}))?"
    rf"|\bby\s+(?P<on>\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}})\b",
    re.IGNORECASE,
)

# holidays.UK(subdiv="ENG"), through the typed factory; expands to each year on first look-up
_BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG")


def due_date(decided_on: date, deadline_text: str) -> date | None:
    """The date a deadline phrase falls on, counted from the decision; None if not computable."""
    match = DEADLINE.search(deadline_text)
    if match is None or match.group("other"):
        return None
    if match.group("on"):
        return _parse_date(match.group("on"))
    n = parse_number(match.group("number"))
    unit = match.group("unit").lower()
    if unit.startswith(("working", "business")):
        return add_working_days(decided_on, n)
    if "month" in unit:
        return add_months(decided_on, n)
    if "week" in unit:
        return decided_on + timedelta(weeks=n)
    return decided_on + timedelta(days=n)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (start itself not counted); n=0 gives `start`."""
    if n < 0:
        raise ValueError(f"working days must not be negative, got {n}")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _BANK_HOLIDAYS


def add_months(start: date, n: int) -> date:
    """Same day n calendar months on, clamped to the last day of a shorter month."""
    month_index = start.month - 1 + n
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def parse_number(text: str) -> int:
    """'20' -> 20, 'three' -> 3, 'twenty-eight' -> 28, 'a' -> 1."""
    text = text.lower()
    if text.isdigit():
        return int(text)
    return sum(NUMBER_WORDS[part] for part in re.split(r"[- ]", text))


def _parse_date(text: str) -> date:
    # "30 June 2024", "1st March 2025"
    cleaned = re.sub(r"(?<=\d)(?:st|nd|rd|th)", "", text, flags=re.IGNORECASE)
    return datetime.strptime(" ".join(cleaned.split()), "%d %B %Y").date()
