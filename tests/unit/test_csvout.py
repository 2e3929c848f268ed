"""CSV cells that spreadsheets would run are made inert; files open right in Excel."""

from decimal import Decimal

import pytest

from lgsco_api.kit import csvout


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+44 1234", "'+44 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Letter sent", "Letter sent"),
        (["=1", "ok"], "'=1; ok"),
        (Decimal("-5.00"), "-5.00"),
        (-3, "-3"),
        (None, ""),
    ],
)
def test_cells(value: object, shown: str) -> None:
    assert csvout.cell(value) == shown


async def test_the_file_starts_with_a_byte_order_mark_once() -> None:
    rows = csvout.from_list([{"a": "£50"}, {"a": "=1"}])
    lines = [line async for line in csvout._lines(["a"], rows)]
    assert lines == ["\ufeffa\r\n", "£50\r\n", "'=1\r\n"]
