"""A page built to make the HTML parser take seconds and gigabytes cannot stop the worker.

The page of the review (thousands of distinct unclosed formatting elements, then thousands of
blocks: 60 KB that took lexbor 24 s and 2.5 GB on the event loop) is refused by the pre-checks
and quarantined, once; with the pre-checks switched off, the child process it is parsed in is
stopped by its CPU-time limit and replaced, and the next page parses. Reparse skips quarantined
pages unless asked. Real PostgreSQL and HTTP on loopback.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import jobs
from lgsco_ingest.parsebox import Limits, ParseLimit, Parser, pool, precheck, shape
from lgsco_ingest.pipeline import Ingestor
from lgsco_ingest.reparse import reparse_all
from lgsco_ingest.site.records import ParseError
from lgsco_shared.domain import FetchResult
from lgsco_shared.models import IngestFailure, RawPage
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite
from tests.reliability import synthetic
from tests.security.rss import MB, Sampler

Maker = async_sessionmaker[AsyncSession]
PAGES = Path(__file__).resolve().parents[1] / "pages" / "lgsco"
NO_PRECHECKS = Limits(max_formatting=0, max_unclosed_formatting=0, max_depth=0)


def parser_bomb(formatting: int = 3000, blocks: int = 2000) -> str:
    """Distinct formatting elements left open inside a paragraph, then many paragraphs: lexbor
    reconstructs every open formatting element in each one (3000 x 2000: seconds, gigabytes)."""
    opened = "".join(
        f'<b id="b{i}">' if i % 2 else f'<font class="c{i}">' for i in range(formatting)
    )
    return (
        "<!DOCTYPE html><html><head><title>Eastmere Council (25 000 900)</title></head><body>"
        f"<p>{opened}</p>" + "<p>x</p>" * blocks + "</body></html>"
    )


def typical_pages(decisions: list[CorpusEntry]) -> list[str]:
    """The stored test pages, and the invented decisions in the site's page shapes."""
    pages = [p.read_text(encoding="utf-8") for p in sorted(PAGES.glob("*.html"))]
    _, truth = synthetic.build(decisions, len(decisions))
    pages += [t.html(shape) for t in truth.values() for shape in ("site", "dl", "flat")]
    return pages


def test_prechecks_refuse_the_bomb_and_pass_every_typical_page(
    decisions: list[CorpusEntry],
) -> None:
    bomb = parser_bomb()
    assert len(bomb) < 100_000 and bomb.count("<") < 15_000  # under the old tag cap
    assert precheck(bomb, Limits()) == "too many unclosed formatting elements: 3,000 (ceiling 200)"
    deep = "<html><body>" + "<div>" * 1000 + "x" + "</div>" * 1000 + "</body></html>"
    assert precheck(deep, Limits()) == "too many levels of nesting: 1,002 (ceiling 400)"
    pages = typical_pages(decisions)
    assert len(pages) > 40
    for html in pages:
        assert precheck(html, Limits()) is None
    worst = max(shape(h).depth for h in pages), max(shape(h).formatting for h in pages)
    assert worst[0] < 40 and worst[1] < 200  # the ceilings leave ten times the room


async def test_a_parser_bomb_is_quarantined_once_and_never_parsed_again(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    good = invented_decision("25 000 901", date(2025, 3, 3))
    bad = invented_decision("25 000 900", date(2025, 3, 4))
    bad.html = parser_bomb()
    fake_site.add(good)
    fake_site.add(bad)
    ingestor = Ingestor(sessionmaker, ctx["client"])
    started = time.monotonic()
    outcome = await ingestor.ingest("25 000 900", path=bad.path)
    assert time.monotonic() - started < 5
    assert outcome.result == FetchResult.FAILED
    assert outcome.reason == (
        "quarantined: too many unclosed formatting elements: 3,000 (ceiling 200)"
    )
    again = await ingestor.ingest("25 000 900", path=bad.path)  # a later crawl meets it again
    assert again.reason == outcome.reason
    assert (await ingestor.ingest("25 000 901", path=good.path)).result == FetchResult.NEW
    async with sessionmaker() as session:
        failures = list(await session.scalars(select(IngestFailure).order_by(IngestFailure.id)))
        assert [(f.reference, f.kind) for f in failures] == [("25 000 900", "limit")] * 2
        assert failures[0].raw_page_id == failures[1].raw_page_id  # stored once per content
        raw = await session.get(RawPage, failures[0].raw_page_id)
        assert raw is not None and raw.body() == bad.html
        pages_of_bad = await session.scalar(
            select(func.count()).select_from(RawPage).where(RawPage.reference == "25 000 900")
        )
        assert pages_of_bad == 1


async def test_a_bomb_past_the_prechecks_is_stopped_by_the_cpu_limit(
    decisions: list[CorpusEntry],
) -> None:
    limits = dataclasses.replace(NO_PRECHECKS, cpu_seconds=1.0, memory_mb=4096, processes=1)
    parser = Parser(limits)
    normal = typical_pages(decisions)[-1]
    await parser.decision(normal, url="/decisions/x/y/25-000-001", reference=None)
    first_child = pool(limits).pids()
    started = time.monotonic()
    with Sampler() as rss, pytest.raises(ParseLimit) as stopped:
        await parser.decision(parser_bomb(), url="/decisions/x/y/25-000-900", reference=None)
    took = time.monotonic() - started
    assert stopped.value.reason == "parse used more than 1 s of CPU: parser stopped"
    assert took < limits.wall_seconds
    # The next page is parsed by a new child; this process did not grow.
    record = await parser.decision(normal, url="/decisions/x/y/25-000-001", reference=None)
    assert record.reference
    assert pool(limits).pids() != first_child and len(pool(limits).pids()) == 1
    assert pool(limits).replaced == 1
    assert rss.growth < 20 * MB  # the child took the gigabytes, not this process
    pool(limits).close()


async def test_a_bomb_past_the_prechecks_cannot_take_more_memory_than_its_limit(
    decisions: list[CorpusEntry],
) -> None:
    limits = dataclasses.replace(NO_PRECHECKS, cpu_seconds=60, memory_mb=256, processes=1)
    parser = Parser(limits)
    started = time.monotonic()
    with Sampler() as rss, pytest.raises(ParseLimit) as refused:
        await parser.decision(parser_bomb(), url="/decisions/x/y/25-000-900", reference=None)
    assert refused.value.reason == "parse needed more than the parser's memory limit (256 MB)"
    assert time.monotonic() - started < 10
    assert rss.growth < 20 * MB
    record = await parser.decision(
        typical_pages(decisions)[-1], url="/decisions/x/y/25-000-001", reference=None
    )
    assert record.reference
    pool(limits).close()


async def test_reparse_skips_quarantined_pages_unless_asked(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    page = invented_decision("25 000 902", date(2025, 3, 5))
    fake_site.add(page)
    assert (await Ingestor(sessionmaker, ctx["client"]).ingest("25 000 902")).result == (
        FetchResult.NEW
    )
    # A parser release with a tighter ceiling: the stored page now trips it.
    strict = Parser(Limits(max_depth=3))
    reported: list[tuple[str, str]] = []
    counts = await reparse_all(
        sessionmaker, parser=strict, report=lambda r, w: reported.append((r, w))
    )
    assert counts["quarantined"] == 1
    assert reported[0][0] == "25 000 902" and reported[0][1].startswith(
        "quarantined: too many levels of nesting"
    )
    async with sessionmaker() as session:
        kinds = list(await session.scalars(select(IngestFailure.kind)))
    assert kinds == ["limit"]
    assert await reparse_all(sessionmaker) == {"skipped": 1}
    assert await reparse_all(sessionmaker, include_quarantined=True) == {"unchanged": 1}


async def test_a_large_worker_does_not_make_every_unreadable_page_a_limit() -> None:
    """A child judges its memory by its own peak, not by the RSS Linux carries across exec from
    the process that started it: a worker of 600 MB still gets a parse error for a page that is
    not a decision, not "over the memory limit"."""
    limits = Limits(memory_mb=700, processes=1)  # a pool of its own, children started below
    ballast = bytearray(600 * MB)
    for at in range(0, len(ballast), 4096):
        ballast[at] = 1
    try:
        with pytest.raises(ParseError) as refused:
            await Parser(limits).decision(
                "<html><body><p>Nothing here.</p></body></html>",
                url="/decisions/x/y/25-000-002",
                reference=None,
            )
        assert not isinstance(refused.value, ParseLimit)
    finally:
        del ballast
        pool(limits).close()
