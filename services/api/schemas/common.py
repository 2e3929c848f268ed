"""Models shared by several endpoints: the problem body, financial years, documented errors."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ATTRIBUTION = (
    "Contains decisions published by the Local Government and Social Care Ombudsman (LGSCO), "
    "re-used with attribution; the LGSCO's published page is the authoritative version."
)

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
    if int(match.group(2)) != (start + 1) % 100 or start < 1900:
        raise InvalidFinancialYear(
            f"{value!r} is not a financial year: the second part must be the year after "
            f"the first ({start}-{(start + 1) % 100:02d})"
        )
    return date(start, 4, 1), date(start + 1, 3, 31)


def financial_year_of(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


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


def _problem_doc(description: str, status: int, detail: str) -> dict[str, Any]:
    example = {"type": "about:blank", "title": description, "status": status, "detail": detail}
    return {
        "model": ProblemDetail,
        "description": description,
        "content": {"application/problem+json": {"example": example}},
    }


ERRORS: dict[int | str, dict[str, Any]] = {
    422: _problem_doc(
        "Unprocessable Content",
        422,
        "query parameter 'limit': Input should be less than or equal to 200",
    ),
    503: _problem_doc(
        "Service Unavailable", 503, "The database is unreachable; try again shortly."
    ),
}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem_doc("Unauthorized", 401, "The API key is not valid (unknown or revoked)."),
    403: _problem_doc("Forbidden", 403, "This API key lacks the scope 'jobs:write'."),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: _problem_doc("Not Found", 404, "No organisation 999 is stored."),
}


def source_url(site_url: str, permalink: str) -> str:
    """The decision's page on the LGSCO site (stored permalinks are paths; tolerate full URLs)."""
    if permalink.startswith(("http://", "https://")):
        return permalink
    return site_url.rstrip("/") + "/" + permalink.lstrip("/")
