"""Opaque keyset cursors, one format for every list: base64url of JSON holding the sort it was
made for and the last key.

A cursor names the last row's sort key and id, never an offset, so rows inserted while a client
pages (the crawler adds decisions all day) neither shift nor repeat what it reads next. Lists in
id order (remedies, runs, a schedule's history) use `encode_id` / `decode_id`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.requests import Request

from lgsco_api.kit.errors import Problem

NEXT_CURSOR_HEADER = "X-Next-Cursor"
MAX_ID = 2**31 - 1
BY_ID = "id"


def encode(sort: str, key: list[Any]) -> str:
    raw = json.dumps({"s": sort, "k": key}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, sort: str) -> list[Any]:
    """The key a cursor holds; 422 naming `cursor` when it is damaged or made for another sort."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        key = data["k"]
        made_for = data["s"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise _invalid("it is not a cursor this API returned") from None
    if not isinstance(key, list) or not isinstance(made_for, str):
        raise _invalid("it is not a cursor this API returned")
    if made_for != sort:
        raise _invalid(f"it was made for sort={made_for}, not sort={sort}")
    return key


def encode_id(row_id: int | None) -> str | None:
    """The cursor after row `row_id` of a list in id order; None on the last page."""
    return None if row_id is None else encode(BY_ID, [row_id])


def decode_id(cursor: str | None) -> int | None:
    """The row id a cursor from `encode_id` holds; 422 naming `cursor` for anything else."""
    if cursor is None:
        return None
    key = decode(cursor, BY_ID)
    if len(key) != 1 or type(key[0]) is not int or not 1 <= key[0] <= MAX_ID:
        raise _invalid("it is not a cursor this API returned")
    return key[0]


def next_headers(request: Request, next_cursor: str | None) -> dict[str, str]:
    """`Link: <this request with cursor=next>; rel="next"` and `X-Next-Cursor` beside a page's
    `next_cursor` (none on the last page). The link is relative to this API's root."""
    if not next_cursor:
        return {}
    url = request.url.include_query_params(cursor=next_cursor)
    return {"Link": f'<{url.path}?{url.query}>; rel="next"', NEXT_CURSOR_HEADER: next_cursor}


def _invalid(why: str) -> Problem:
    return Problem(
        422,
        f"query parameter 'cursor': {why}; pass next_cursor from a previous page unchanged",
        errors=[{"in": "query", "parameter": "cursor", "message": why}],
    )
