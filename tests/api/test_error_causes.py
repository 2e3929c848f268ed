"""503 "database" only when the database is the cause: a database that cannot be reached
(connection refused, a connection that went away, a pool timeout) answers 503; any other I/O
error raised while serving a request (a file, another socket, a timeout of our own) is a 500
whose request id is in the log line."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from lgsco_api.kit.deps import SessionDep
from lgsco_shared.db import make_engine
from tests.api.conftest import build_app

function_loop = pytest_asyncio.fixture(loop_scope="function")


@function_loop
async def api(database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    app = build_app(database_url, redis_url)
    unreachable = make_engine("postgresql://postgres@127.0.0.1:1/nowhere", pool=False)

    @app.get("/probe/database-refused", include_in_schema=False)
    async def refused() -> None:
        async with unreachable.connect() as conn:  # nothing listens on port 1
            await conn.execute(text("SELECT 1"))

    @app.get("/probe/database-ok", include_in_schema=False)
    async def database_ok(session: SessionDep) -> int:
        return int(await session.scalar(text("SELECT 1")) or 0)

    @app.get("/probe/file", include_in_schema=False)
    async def file_error() -> None:
        raise FileNotFoundError(2, "No such file or directory", "/nonexistent/report.csv")

    @app.get("/probe/socket", include_in_schema=False)
    async def socket_error() -> None:
        raise ConnectionResetError(104, "Connection reset by peer")

    @app.get("/probe/timeout", include_in_schema=False)
    async def timeout() -> None:
        raise TimeoutError("rendering took too long")

    async with app.router.lifespan_context(app):
        # As uvicorn does, the server answers the 500 and then re-raises to its own log: the
        # transport must not raise it into the test.
        transport = ASGITransport(app=app, client=("127.0.0.1", 123), raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    await unreachable.dispose()


async def test_a_database_that_refuses_connections_is_503_database(api: AsyncClient) -> None:
    assert (await api.get("/probe/database-ok")).json() == 1
    response = await api.get("/probe/database-refused")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["unavailable"] == ["database"]
    assert response.json()["detail"] == "The database is unreachable; try again shortly."


@pytest.mark.parametrize(
    ("path", "exception"),
    [
        ("/probe/file", "FileNotFoundError"),
        ("/probe/socket", "ConnectionResetError"),
        ("/probe/timeout", "TimeoutError"),
    ],
)
async def test_other_io_errors_are_500_logged_with_the_request_id(
    api: AsyncClient, caplog: pytest.LogCaptureFixture, path: str, exception: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="lgsco_api"):
        response = await api.get(path, headers={"X-Request-ID": "probe-request-0001"})
    assert response.status_code == 500
    body = response.json()
    assert "unavailable" not in body
    assert body["request_id"] == "probe-request-0001"
    assert "retry-after" not in response.headers
    logged = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert len(logged) == 1
    assert getattr(logged[0], "request_id", None) == "probe-request-0001"
    assert logged[0].exc_info is not None and logged[0].exc_info[0].__name__ == exception
