from datetime import date

import pytest

from lgsco_ingest.extract.deadlines import add_months, add_working_days, due_date, parse_number


class TestAddWorkingDays:
    def test_skips_the_weekend(self) -> None:
        assert add_working_days(date(2023, 6, 9), 1) == date(2023, 6, 12)  # Friday -> Monday

    def test_skips_good_friday_and_easter_monday(self) -> None:
        # Fri 22 Mar 2024 + 20: Good Friday 29 Mar and Easter Monday 1 Apr are not counted
        assert add_working_days(date(2024, 3, 22), 20) == date(2024, 4, 23)

    def test_skips_christmas_and_a_substitute_boxing_day(self) -> None:
        # Boxing Day 2020 was a Saturday, so Monday 28 December was the bank holiday
        assert add_working_days(date(2020, 12, 24), 1) == date(2020, 12, 29)

    def test_skips_the_early_may_and_spring_bank_holidays(self) -> None:
        assert add_working_days(date(2024, 5, 3), 1) == date(2024, 5, 7)
        assert add_working_days(date(2019, 5, 24), 1) == date(2019, 5, 28)

    def test_counts_from_a_weekend_start(self) -> None:
        assert add_working_days(date(2023, 6, 10), 1) == date(2023, 6, 12)  # Saturday

    def test_zero_days_is_the_start(self) -> None:
        assert add_working_days(date(2023, 6, 10), 0) == date(2023, 6, 10)

    def test_refuses_negative_days(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            add_working_days(date(2023, 6, 10), -1)


class TestAddMonths:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (date(2023, 1, 31), 1, date(2023, 2, 28)),
            (date(2024, 1, 31), 1, date(2024, 2, 29)),
            (date(2023, 11, 30), 3, date(2024, 2, 29)),
            (date(2023, 12, 15), 1, date(2024, 1, 15)),
            (date(2023, 8, 31), 13, date(2024, 9, 30)),
        ],
    )
    def test_clamps_to_the_end_of_a_short_month(
        self, start: date, months: int, expected: date
    ) -> None:
        assert add_months(start, months) == expected


class TestParseNumber:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [("20", 20), ("one", 1), ("Three", 3), ("twenty-eight", 28), ("twenty one", 21), ("a", 1)],
    )
    def test_reads_digits_and_words(self, text: str, expected: int) -> None:
        assert parse_number(text) == expected


class TestDueDate:
    decided = date(2023, 3, 15)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("within one month of the final decision", date(2023, 4, 15)),
            ("Within three months of the final decision", date(2023, 6, 15)),
            ("within a month", date(2023, 4, 15)),
            ("within one calendar month of my final decision", date(2023, 4, 15)),
            ("within four weeks", date(2023, 4, 12)),
            ("within 6 weeks of the date of this decision", date(2023, 4, 26)),
            ("within six (6) weeks", date(2023, 4, 26)),
            ("within 28 days", date(2023, 4, 12)),
            ("within twenty-eight days of our final decision", date(2023, 4, 12)),
            ("within 20 working days of the final decision", date(2023, 4, 14)),
            ("within ten business days", date(2023, 3, 29)),
            ("no later than two months", date(2023, 5, 15)),
            ("by 30 June 2023", date(2023, 6, 30)),
            ("by 1st July 2023", date(2023, 7, 1)),
        ],
    )
    def test_counts_from_the_decision(self, text: str, expected: date) -> None:
        assert due_date(self.decided, text) == expected

    def test_working_days_over_easter(self) -> None:
        # Fri 31 Mar 2023 + 5: Good Friday 7 April and Easter Monday 10 April are not counted
        assert due_date(date(2023, 3, 31), "within 5 working days") == date(2023, 4, 11)

    def test_a_deadline_anchored_on_another_event_has_no_date(self) -> None:
        assert due_date(self.decided, "within two weeks of completing the assessment") is None
        assert due_date(self.decided, "within one month of receiving Mr X's request") is None

    def test_text_without_a_deadline_has_no_date(self) -> None:
        assert due_date(self.decided, "as soon as possible") is None
        assert due_date(self.decided, "within a reasonable time") is None
