"""Opaque keyset cursors: base64url of JSON holding the sort it was made for and the last key.

A cursor names the last row's sort key and id, never an offset, so rows inserted while a client
pages (the crawler adds decisions all day) neither shift nor repeat what it reads next.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.requests import Request

from lgsco_api.kit.errors import Problem

NEXT_CURSOR_HEADER = "X-Next-Cursor"


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
