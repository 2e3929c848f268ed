"""API keys from a terminal (`lgsco-api keys ...`, `lgsco keys ...`): the first key of a deployment
can only be made here. The secret is printed once and stored only as a hash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lgsco_api.keys import service as keys
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.embedded import ServiceUrls

Echo = Callable[[str], Any]


async def create_key(urls: ServiceUrls, name: str, scopes: list[str], *, echo: Echo) -> int:
    engine = make_engine(urls.database_url, pool=False)
    try:
        async with make_sessionmaker(engine).begin() as session:
            _, secret = await keys.create_key(session, name, scopes)
    except ValueError as exc:
        echo(f"error: {exc}")
        return 2
    finally:
        await engine.dispose()
    echo(f"key {name!r} with scopes {', '.join(scopes)}; it is shown only this once:\n{secret}")
    return 0


async def revoke_key(urls: ServiceUrls, name: str, *, echo: Echo) -> int:
    engine = make_engine(urls.database_url, pool=False)
    try:
        async with make_sessionmaker(engine).begin() as session:
            revoked = await keys.revoke_key(session, name)
    finally:
        await engine.dispose()
    echo(f"key {name!r} revoked" if revoked else f"error: no active key named {name!r}")
    return 0 if revoked else 1


async def list_keys(urls: ServiceUrls, *, echo: Echo) -> None:
    """One line a key, revoked ones last; the secret is never stored, so never shown."""
    engine = make_engine(urls.database_url, pool=False)
    try:
        async with make_sessionmaker(engine)() as session:
            found = await keys.list_keys(session)
    finally:
        await engine.dispose()
    if not found:
        echo("no API keys; create one with `lgsco keys create --name NAME --scopes read`")
        return
    rows = [("NAME", "PREFIX", "SCOPES", "CREATED", "LAST USED", "REVOKED")]
    for key in sorted(found, key=lambda k: (k.revoked_at is not None, k.name)):
        rows.append(
            (
                key.name,
                key.prefix,
                ",".join(key.scopes),
                _when(key.created_at),
                _when(key.last_used_at) or "never",
                _when(key.revoked_at) or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if at else ""
