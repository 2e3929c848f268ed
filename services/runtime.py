"""Process set-up shared by the commands: logging, signals, service URLs (embedded or not) and a
schema this release can work with."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from types import FrameType

from lgsco.shared import logs
from lgsco.shared.embedded import ServiceUrls, service_urls
from lgsco.shared.settings import Settings

log = logging.getLogger("lgsco")


class StartupError(Exception):
    """Why a command cannot start, in one line; the CLI prints it without a traceback."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C, so every `with` unwinds and the embedded servers stop."""


class Schema(Enum):
    NONE = "none"  # the command needs no schema (a health check)
    AUTO = "auto"  # embedded database: upgrade it; a database you run: refuse if behind
    UPGRADE = "upgrade"  # bring any database to head (`lgsco migrate`, `lgsco up`)


def configure_logging(settings: Settings) -> None:
    logs.configure(settings.log_level, settings.log_format)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM (kill, timeout, systemd, docker stop) ends the command the way Ctrl-C does.

    Its default action kills the process on the spot: no `finally` runs, and the embedded
    PostgreSQL and Redis it started would be left running.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def services(settings: Settings, *, schema: Schema = Schema.AUTO) -> Iterator[ServiceUrls]:
    """The database and Redis URLs, starting embedded servers for those not configured, with
    the schema brought to (or checked against) this release's. Raises StartupError."""
    with (
        _sigterm_unwinds(),
        service_urls(settings.database_url, settings.redis_url, settings.home) as urls,
    ):
        if schema is not Schema.NONE:
            embedded = settings.database_url is None
            prepare_schema(urls.database_url, upgrade=schema is Schema.UPGRADE or embedded)
        yield urls


def prepare_schema(database_url: str, *, upgrade: bool, announce: bool = True) -> str | None:
    """Bring the schema to head when `upgrade`, else refuse a schema behind this release's.

    Returns the revision upgraded from (or None when nothing was done). A database newer than
    the code (a rolling upgrade) is used, with a warning: migrations add before they remove.
    """
    from lgsco.shared import migrate

    try:
        state = migrate.schema_state(database_url)
    except migrate.DatabaseUnavailable as exc:
        raise StartupError(str(exc)) from None
    if state.ready:
        return None
    if state.current is not None and state.current not in migrate.known_revisions():
        log.warning("%s", state.problem())
        return None
    if not upgrade:
        raise StartupError(f"{state.problem()}: run `lgsco migrate`")
    migrate.upgrade(database_url)
    if announce:
        log.info("database schema upgraded from %s to %s", state.current or "nothing", state.head)
    return state.current or "nothing"
