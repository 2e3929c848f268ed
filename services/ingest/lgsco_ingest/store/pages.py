"""Raw pages as fetched (compressed, kept once per content for pages that fail) and the failures
recorded against them."""

from __future__ import annotations

import asyncio
import hashlib
import zlib
from typing import cast

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_ingest.fetch import Page
from lgsco_shared.models import IngestFailure, RawPage

_raw_page = cast(Table, RawPage.__table__)
_failure = cast(Table, IngestFailure.__table__)


_INSERT_RAW_PAGE = _raw_page.insert().returning(_raw_page.c.id)


_INSERT_FAILURE = _failure.insert()


def body_sha256(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


_SAME_RAW_PAGE = text(
    "SELECT id FROM raw_page WHERE reference = :reference AND body_sha256 = :sha"
    " AND status_code = :status ORDER BY id DESC LIMIT 1"
)


_LIMIT_REASON = text(
    "SELECT f.reason FROM ingest_failure f JOIN raw_page r ON r.id = f.raw_page_id"
    " WHERE f.kind = 'limit' AND f.reference = :reference AND r.body_sha256 = :sha"
    " ORDER BY f.id DESC LIMIT 1"
)


async def limit_reason(conn: AsyncConnection, reference: str, sha: str) -> str | None:
    """Why these very bytes of `reference`'s page were quarantined for a parser limit, if they
    were: such a page is not parsed again."""
    reason: object = (
        await conn.execute(_LIMIT_REASON, {"reference": reference, "sha": sha})
    ).scalar()
    return None if reason is None else str(reason)


async def save_raw_page(
    conn: AsyncConnection, page: Page, reference: str | None, *, reuse: bool = False
) -> int:
    """Keep the page as fetched (compressed); returns its id. With `reuse` (a page that could
    not be stored as a decision), the same bytes already kept for the reference are not kept
    again: their row's id is returned."""
    body = page.text.encode("utf-8")
    if reuse and reference is not None:
        same = await conn.execute(
            _SAME_RAW_PAGE,
            {
                "reference": reference,
                "sha": hashlib.sha256(body).hexdigest(),
                "status": page.status,
            },
        )
        if (found := same.scalar()) is not None:
            return int(found)
    row = await conn.execute(
        _INSERT_RAW_PAGE,
        {
            "reference": reference,
            "url": page.path,
            "status_code": page.status,
            "etag": page.etag,
            "last_modified": page.last_modified,
            "content_type": page.content_type,
            "body_sha256": hashlib.sha256(body).hexdigest(),
            # zlib lets go of the GIL: in a thread it runs beside the event loop (~1.5 ms a page).
            "body_zlib": await asyncio.to_thread(zlib.compress, body, 6),
            "body_size": len(body),
            "fetched_at": page.fetched_at,
        },
    )
    return int(row.scalar_one())


async def record_failure(
    conn: AsyncConnection,
    *,
    run_id: int | None,
    reference: str | None,
    url: str,
    kind: str,
    reason: str,
    raw_page_id: int | None = None,
) -> None:
    await conn.execute(
        _INSERT_FAILURE,
        {
            "run_id": run_id,
            "reference": reference,
            "url": url,
            "kind": kind,
            "reason": reason[:4000],
            "raw_page_id": raw_page_id,
        },
    )
