"""Every failure leaves the API as RFC 9457 `application/problem+json`.

Council systems parse one error shape. Our own errors (`Problem`), FastAPI's validation errors,
Starlette's 404/405 and a database or queue that is down all pass through the handlers here, so
no input produces an HTML page, a bare string or a 500 with a stack trace.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from lgsco_shared.db import DatabaseUnreachable, connection_lost

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "5"

log = logging.getLogger("lgsco_api")


class Problem(Exception):
    """An error the API means to return; `extra` members are added to the problem body."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extra = extra

    def with_extra(self, **extra: Any) -> Problem:
        self.extra |= extra
        return self


class NotFound(Problem):
    def __init__(self, what: str, key: object, hint: str = "") -> None:
        detail = f"No {what} {key} is stored." + (f" {hint}" if hint else "")
        super().__init__(404, detail)


class Unavailable(Problem):
    """A backing service is down: 503 with Retry-After, naming the service."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(
            503, detail, headers={"Retry-After": RETRY_AFTER_SECONDS}, unavailable=[service]
        )


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if request_id := getattr(request.state, "request_id", None):
        body["request_id"] = request_id
    body |= extra
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def describe_validation_error(error: dict[str, Any]) -> dict[str, str]:
    """("query", "limit") + msg -> {"in": "query", "parameter": "limit", "message": ...}."""
    loc = [str(part) for part in error.get("loc", ())]
    where = loc[0] if loc else "request"
    if where == "body":
        name = ".".join(loc[1:]) if len(loc) > 1 else where
    else:  # ("query", "outcome", 1): the second value of a repeated parameter is still `outcome`
        name = loc[1] if len(loc) > 1 else where
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if error.get("type") == "missing":
        message = "is required"
    elif error.get("type") == "json_invalid":
        message = "the body is not valid JSON"
    elif error.get("type") == "extra_forbidden":
        message = "unknown parameter"
    return {"in": where, "parameter": name, "message": message}


def validation_detail(errors: list[dict[str, str]]) -> str:
    parts = [f"{e['in']} parameter '{e['parameter']}': {e['message']}" for e in errors]
    return "; ".join(parts) or "the request is not valid"


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        request, exc.status, exc.detail, title=exc.title, headers=exc.headers, **exc.extra
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"There is no endpoint at {request.url.path}; see /docs for the API."
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        headers = (headers or {}) | {"Allow": _allowed_methods(request, headers or {})}
    return problem_response(request, exc.status_code, detail, headers=headers)


def _operations(request: Request) -> dict[str, Any]:
    """The OpenAPI operations (by method) of every path template the request's path matches."""
    found: dict[str, Any] = {}
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.scope["path"]):
            found |= operations
    return found


def _allowed_methods(request: Request, headers: dict[str, str]) -> str:
    """Every method the path answers (RFC 9110 asks for them all), not only those of the first
    route that matched it: /v1/jobs has a GET route and a POST route."""
    methods = {m.strip() for m in headers.get("Allow", "").split(",") if m.strip()}
    methods |= {method.upper() for method in _operations(request)}
    return ", ".join(sorted(methods))


def _accepted_query(request: Request) -> list[str]:
    """The query parameters the OpenAPI documents for this request's operation."""
    operation = _operations(request).get(request.method.lower(), {})
    return sorted(p["name"] for p in operation.get("parameters", []) if p.get("in") == "query")


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [describe_validation_error(dict(e)) for e in exc.errors()]
    detail = validation_detail(errors)
    if any(e["message"] == "unknown parameter" and e["in"] == "query" for e in errors):
        detail += f" (accepted here: {', '.join(_accepted_query(request)) or 'none'})"
    return problem_response(request, 422, detail, errors=errors)


def _unavailable(
    service: str, detail: str, what: str
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """A handler answering 503 with Retry-After, naming the backend `service` in `unavailable`."""

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        log.warning("%s: %s", what, exc.__class__.__name__)
        return problem_response(
            request,
            503,
            detail,
            headers={"Retry-After": RETRY_AFTER_SECONDS},
            unavailable=[service],
        )

    return handler


_database_down = _unavailable(
    "database", "The database is unreachable; try again shortly.", "database unavailable"
)
# Every pooled connection stayed in use past the pool's wait: shed the request quickly, so
# slow queries cannot queue the whole API behind them.
_busy = _unavailable(
    "database",
    "The service is busy: every database connection is in use; try again shortly.",
    "database pool exhausted",
)
_redis_down = _unavailable(
    "queue", "The job queue (Redis) is unreachable; try again shortly.", "queue unavailable"
)


def database_gone(exc: BaseException) -> bool:
    """Whether `exc` says the database is unreachable (as opposed to a bug or a bad query)."""
    return isinstance(exc, DATABASE_DOWN) or connection_lost(exc)


async def _dbapi(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if database_gone(exc):
        return await _database_down(request, exc)
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.exception("unhandled error", exc_info=exc, extra={"request_id": request_id})
    return problem_response(
        request, 500, "An unexpected error occurred; it has been logged with this request's id."
    )


# A connection refused or timed out, a connection lost, a pool timeout: the database is down
# (or saturated). Any other OSError or TimeoutError is a fault of this service: a 500, logged
# with the request id.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeout,
    DatabaseUnreachable,
)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(RedisError, _redis_down)
    for exc_type in DATABASE_DOWN:
        app.add_exception_handler(exc_type, _database_down)
    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(DBAPIError, _dbapi)
    app.add_exception_handler(Exception, _unexpected)
