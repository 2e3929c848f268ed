"""Form bodies (application/x-www-form-urlencoded) read without python-multipart, and the
query string read the same way; both give every value of a name, empty fields as absent."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request

MAX_BODY = 16_384
MAX_FIELDS = 40


class BadForm(ValueError):
    """The body is not a console form (wrong type, too large, not UTF-8)."""


def _collect(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        value = value.strip()
        if value and "\x00" not in value:
            values.setdefault(name, []).append(value)
    return values


async def read_form(request: Request) -> dict[str, list[str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadForm("send the form as application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BadForm("the form is too large")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadForm("the form could not be read") from exc
    return _collect(pairs)


def read_query(request: Request) -> dict[str, list[str]]:
    return _collect(list(request.query_params.multi_items()))


def first(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    return found[0] if found else None
