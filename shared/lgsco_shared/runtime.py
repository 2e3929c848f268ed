"""Process set-up for every entry point (the `lgsco` command, `lgsco-api`, `lgsco-worker`): logging,
signals, service URLs (embedded or not) and a schema this release can work with."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from enum import Enum
from types import FrameType

from lgsco_shared import logs
from lgsco_shared.embedded import EmbeddedUnavailable, ServiceUrls, service_urls
from lgsco_shared.settings import Settings, SettingsError, load_settings

log = logging.getLogger("lgsco")
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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
    with _sigterm_unwinds(), ExitStack() as stack:
        try:
            urls = stack.enter_context(
                service_urls(settings.database_url, settings.redis_url, settings.home)
            )
        except EmbeddedUnavailable as exc:
            raise StartupError(str(exc)) from None
        if schema is not Schema.NONE:
            embedded = settings.database_url is None
            prepare_schema(urls.database_url, upgrade=schema is Schema.UPGRADE or embedded)
        yield urls


def prepare_schema(database_url: str, *, upgrade: bool, announce: bool = True) -> str | None:
    """Bring the schema to head when `upgrade`, else refuse a schema behind this release's.

    Returns the revision upgraded from (or None when nothing was done). A database newer than
    the code (a rolling upgrade) is used, with a warning: migrations add before they remove.
    """
    from lgsco_shared import migrate

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


def load(announce_error: Callable[[str], object] | None = None) -> Settings:
    """Settings with logging configured; a bad value exits 2 with one line naming it."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings)
    return settings


@contextmanager
def attached(settings: Settings, schema: Schema = Schema.AUTO) -> Iterator[ServiceUrls]:
    """The service URLs for a command; a reason it cannot start is one line, not a traceback.

    Ctrl-C and SIGTERM end the command with 130 and 143 once the embedded servers it started
    have stopped.
    """
    try:
        with services(settings, schema=schema) as urls:
            yield urls
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except Terminated:
        raise SystemExit(128 + signal.SIGTERM) from None
    except KeyboardInterrupt:
        raise SystemExit(128 + signal.SIGINT) from None


@contextmanager
def on_stop_signal(stop: Callable[[], None]) -> Iterator[None]:
    """Call `stop` on SIGINT or SIGTERM while the block runs; restore the handlers after."""
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in _STOP_SIGNALS}

    def stopping(sig: signal.Signals) -> None:
        log.info("stopping on %s", sig.name)
        stop()

    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping, sig)
    try:
        yield
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous[sig])
