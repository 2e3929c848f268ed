"""CSV output that streams: rows are written as they are read, so a whole export never sits in
memory. Cells hold the JSON values: lists joined with '; ', null as an empty cell.

Files are opened in spreadsheets, so two things are done for them: the body starts with a UTF-8
byte-order mark, without which Excel reads "£50" as "Â£50"; and a text cell that a spreadsheet
would run as a formula (starting with =, +, -, @, a tab or a carriage return: scraped text or an
evidence note such as "=HYPERLINK(...)") gets a leading apostrophe, the OWASP advice, so it shows
as text. Numbers are never touched."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from fastapi.responses import StreamingResponse

CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would evaluate, made inert: "=1+1" -> "'=1+1"."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise("; ".join(cell(v) for v in value))
    if isinstance(value, Decimal | float | int):
        return str(value)
    return neutralise(str(value))


def _line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([cell(v) for v in values])
    return buffer.getvalue()


async def _lines(
    columns: Sequence[str],
    rows: AsyncIterator[Mapping[str, Any]],
    labels: Mapping[str, str] | None = None,
) -> AsyncIterator[str]:
    yield BOM + _line((labels or {}).get(c, c) for c in columns)
    async for row in rows:
        yield _line(row.get(c) for c in columns)


def csv_response(
    columns: Sequence[str],
    rows: AsyncIterator[Mapping[str, Any]],
    filename: str,
    headers: Mapping[str, str] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
) -> StreamingResponse:
    """`labels`: the header row's text for each column (the column's name where absent)."""
    return StreamingResponse(
        _lines(columns, rows, labels),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})},
    )


async def from_list(rows: Iterable[Mapping[str, Any]]) -> AsyncIterator[Mapping[str, Any]]:
    for row in rows:
        yield row


def wants_csv(format_: str | None, accept: str | None) -> bool:
    """format= wins; without it, an Accept header asking for text/csv chooses CSV."""
    if format_ is not None:
        return format_ == "csv"
    return accept is not None and "text/csv" in accept.lower()
