"""`lgsco ingest` and `lgsco crawl` end to end: real database, real Redis, the fake site."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from typer.testing import CliRunner

from lgsco_cli.cli import app
from lgsco_ingest.crawl import month_windows
from lgsco_shared.db import make_engine
from lgsco_shared.models import Decision
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import corpus_site, window_of


async def _stored_references(database_url: str) -> set[str]:
    engine = make_engine(database_url, pool=False)
    async with engine.connect() as conn:
        references = set((await conn.execute(select(Decision.reference))).scalars())
    await engine.dispose()
    return references


def test_crawl_then_ingest_print_what_happened(
    decisions: list[CorpusEntry], emptied_database_url: str, redis_url: str
) -> None:
    """Synchronous: the CLI runs its own event loop, as it does for an operator."""
    database_url = emptied_database_url
    entries = decisions[-12:]
    site = corpus_site(entries)
    site.start()
    env = {
        "LGSCO_DATABASE_URL": database_url,
        "LGSCO_REDIS_URL": redis_url,
        "LGSCO_SITE_URL": site.url,
        "LGSCO_REQUESTS_PER_SECOND": "50",
        "LGSCO_LOG_FORMAT": "text",
    }
    try:
        start, end = window_of(entries)
        crawl = CliRunner().invoke(
            app, ["crawl", "--from", start.isoformat(), "--to", end.isoformat()], env=env
        )
        recrawl = CliRunner().invoke(
            app, ["crawl", "--from", start.isoformat(), "--to", end.isoformat()], env=env
        )
        ref = entries[0].truth["ref"]
        again = CliRunner().invoke(app, ["ingest", ref.replace(" ", "-"), "99 999 999"], env=env)
    finally:
        site.stop()
    months = len(list(month_windows(start, end)))
    assert crawl.exit_code == 0, crawl.output
    lines = crawl.output.splitlines()
    assert lines[-1] == (
        f"{months} months: {months} windows crawled, 0 already complete; new {len(entries)}"
    )
    # The progress: windows done out of the months asked for, and the decisions handled.
    assert any(line.startswith("windows") and f"{months}/{months}" in line for line in lines)
    assert any(line.startswith("decisions") and f"{len(entries)}/?" in line for line in lines)
    assert recrawl.output.splitlines()[-1] == (
        f"{months} months: 0 windows crawled, {months} already complete; use --refresh to "
        "re-read them; no decisions"
    )
    assert asyncio.run(_stored_references(database_url)) == {e.truth["ref"] for e in entries}
    assert again.exit_code == 1  # one reference was not found
    assert f"{ref}  unchanged" in again.output
    assert "99 999 999  not_found: not found on the site" in again.output
