"""Models shared by several endpoints: the problem body, validated dates, documented errors
(financial years: kit/years.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.config import JsonDict

# Patterns stated in the OpenAPI only: the handlers validate with their own, clearer messages.
FINANCIAL_YEAR_SCHEMA: JsonDict = {"pattern": r"^[0-9]{4}-[0-9]{2}$"}
REFERENCE_SCHEMA: JsonDict = {"pattern": r"^ *[0-9]{2}[ \-]?[0-9]{3}[ \-]?[0-9]{3} *$"}


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ISO_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].*)?$")


def _iso_date(value: object) -> object:
    # Pydantic alone would read `0` or `1700000000` as a Unix time: 1970-01-01 by mistake.
    if isinstance(value, int | float) or (isinstance(value, str) and not _ISO_DATE.match(value)):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _iso_datetime(value: object) -> object:
    if isinstance(value, int | float) or (
        isinstance(value, str) and not _ISO_DATETIME.match(value)
    ):
        raise ValueError("must be a date or time written YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _in_utc_range(value: datetime) -> datetime:
    """A time that UTC cannot hold ("0001-01-01T00:00:00+01:00") is an error, not a 500."""
    if value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is outside the range of dates this API can compare") from None
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_in_utc_range)]


class ProblemDetail(BaseModel):
    """RFC 9457 problem details, as every error of this API is returned."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, str]] | None = Field(
        default=None, description="For 422: one entry per invalid parameter."
    )
    parameter: str | None = Field(
        default=None, description="For an unknown organisation (404): the parameter named."
    )
    value: str | None = Field(
        default=None, description="For an unknown organisation (404): the value given."
    )
    similar: list[str] | None = Field(
        default=None,
        description="For an unknown organisation (404): the stored names most like the value.",
    )


def _problem_doc(description: str, status: int, detail: str) -> dict[str, Any]:
    example = {"type": "about:blank", "title": description, "status": status, "detail": detail}
    return {
        "model": ProblemDetail,
        "description": description,
        "content": {"application/problem+json": {"example": example}},
    }


AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem_doc("Unauthorized", 401, "The API key is not valid (unknown or revoked)."),
    403: _problem_doc("Forbidden", 403, "This API key lacks the scope 'jobs:write'."),
}
# Every /v1 operation can answer these: a request that cannot be read at all (400: a body that is
# not UTF-8 JSON, a query string that is not UTF-8), a key that is sent is checked even where none
# is needed (401), reads need the scope `read` when keys are required (403), and the request
# limits and rate limits apply everywhere (413, 414, 429).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem_doc("Bad Request", 400, "There was an error parsing the body"),
    **AUTH_ERRORS,
    413: _problem_doc("Content Too Large", 413, "The request body is larger than 65536 bytes."),
    414: _problem_doc("URI Too Long", 414, "The URL is too long: at most 2048 bytes of path..."),
    422: _problem_doc(
        "Unprocessable Content",
        422,
        "query parameter 'limit': Input should be less than or equal to 200",
    ),
    429: _problem_doc(
        "Too Many Requests",
        429,
        "Too many requests from this address: the limit is 600 a minute; retry after 12 s.",
    ),
    503: _problem_doc(
        "Service Unavailable", 503, "The database is unreachable; try again shortly."
    ),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: _problem_doc("Not Found", 404, "No organisation 999 is stored."),
}


def source_url(site_url: str, permalink: str) -> str:
    """The decision's page on the LGSCO site (stored permalinks are paths; tolerate full URLs)."""
    if permalink.startswith(("http://", "https://")):
        return permalink
    return site_url.rstrip("/") + "/" + permalink.lstrip("/")
