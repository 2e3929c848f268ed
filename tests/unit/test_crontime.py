"""Due times in a time zone: each wall-clock time once, in order, across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lgsco_shared import crontime

LONDON = "Europe/London"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_times_in_the_skipped_hour_run_at_the_jump_once_and_never_go_back() -> None:
    # 28 March 2027: 01:00 GMT becomes 02:00 BST. Every 20 minutes, local clock.
    found = crontime.upcoming("*/20 * * * *", LONDON, utc(2027, 3, 28, 0, 30), count=5)
    assert found == [
        utc(2027, 3, 28, 0, 40),  # 00:40 GMT
        utc(2027, 3, 28, 1, 0),  # 01:00, 01:20, 01:40 do not happen: one run at the jump
        utc(2027, 3, 28, 1, 20),  # 02:20 BST
        utc(2027, 3, 28, 1, 40),
        utc(2027, 3, 28, 2, 0),
    ]


def test_times_in_the_repeated_hour_run_at_their_first_occurrence() -> None:
    # 31 October 2027: 02:00 BST becomes 01:00 GMT; 01:30 happens at 00:30 and 01:30 UTC.
    found = crontime.upcoming("30 1 * * *", LONDON, utc(2027, 10, 30, 12), count=2)
    assert found == [utc(2027, 10, 31, 0, 30), utc(2027, 11, 1, 1, 30)]
    # Asked during the repeated hour's second pass, the next is the next day's.
    assert crontime.next_after("30 1 * * *", LONDON, utc(2027, 10, 31, 1, 10)) == utc(
        2027, 11, 1, 1, 30
    )


def test_the_latest_missed_due_time_and_how_many_it_stands_for() -> None:
    latest, missed = crontime.latest_due(
        "15 3 * * *", "UTC", utc(2027, 1, 1, 3, 15), utc(2027, 1, 5, 12)
    )
    assert (latest, missed) == (utc(2027, 1, 5, 3, 15), 4)
    assert crontime.latest_due("15 3 * * *", "UTC", utc(2027, 1, 1, 3, 15), utc(2027, 1, 1, 4)) == (
        utc(2027, 1, 1, 3, 15),
        0,
    )


def test_busiest_day() -> None:
    assert crontime.busiest_day("*/5 * * * *", "UTC", utc(2027, 1, 1)) == 288
    assert crontime.busiest_day("0 6 * * 1", LONDON, utc(2027, 1, 1)) == 1
    assert crontime.busiest_day("0 6,18 * * *", LONDON, utc(2027, 1, 1)) == 2


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("61 * * * *", "Bad minute"),
        ("* * *", "five fields"),
        ("0 0 30 2 *", "Bad day-of-month"),
        ("0 0 * * 8", "Bad day-of-week"),
    ],
)
def test_bad_expressions_say_why(expression: str, message: str) -> None:
    with pytest.raises(crontime.CronInvalid, match=message):
        crontime.check(expression)


def test_an_unknown_zone_is_refused_and_spaces_are_normalised() -> None:
    with pytest.raises(crontime.CronInvalid, match="unknown time zone 'Mars/Olympus'"):
        crontime.check("0 6 * * 1", "Mars/Olympus")
    with pytest.raises(crontime.CronInvalid):
        crontime.zone("../etc/passwd")
    assert crontime.check("  0  6 * *   1 ") == "0 6 * * 1"
