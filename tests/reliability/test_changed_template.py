"""The site changes its template for some pages and withdraws others. Pages in a template the
parser knows are read right; pages it cannot read are quarantined with a reason, and never
overwrite what was stored; the failure count shows in the run record and in /metrics; a page
that answers 410 marks its decision withdrawn, and nothing is deleted."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lgsco_api.main import create_app
from lgsco_ingest import jobs
from lgsco_shared import runs
from lgsco_shared.domain import PublicationStatus, RunKind, RunStatus
from lgsco_shared.models import Decision, RawPage
from tests.conftest import job_context
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.server import FakeDecision, FakeSite
from tests.reliability import synthetic
from tests.reliability.checks import per_reference, run_record
from tests.reliability.conftest import Maker, api_settings


def app_shell(expected: synthetic.Expected) -> str:
    """A template rendered in the browser: the title in <head>, the decision only in a script
    the parser does not run (the worst case: it names the decision but holds none of it)."""
    title = f"{expected.organisation} ({expected.reference})"
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)} - LGSCO</title></head><body>"
        '<div id="app" data-loading="true"></div><noscript>Please enable JavaScript.</noscript>'
        '<script src="/assets/decision.3f9a.js"></script></body></html>'
    )


def table_shape(expected: synthetic.Expected) -> str:
    """The "dl" template with its header pairs moved into a table (a change nobody announced)."""
    html = expected.html("dl").replace('<dl class="decision-details">', "<table>")
    html = re.sub(r"<dt>(.*?)</dt><dd>(.*?)</dd>", r"<tr><th>\1</th><td>\2</td></tr>", html)
    return html.replace("</dl>", "</table>")


async def refresh(sessionmaker: Maker, client_ctx: jobs.JobContext, label: str) -> int:
    """A refresh run (the last three months, completed windows read again), carried out."""
    async with sessionmaker.begin() as session:
        run, _ = await runs.find_or_create(
            session, kind=RunKind.REFRESH, job_key=f"refresh:{label}", params={}
        )
    assert await jobs.run_ingest(client_ctx, run.id) == RunStatus.SUCCEEDED.value
    return run.id


@pytest.fixture
async def ctx(
    fake_site: FakeSite, pooled: Maker, redis: Redis, redis_url: str
) -> AsyncIterator[jobs.JobContext]:
    """The job context on a pooled sessionmaker (decisions stored concurrently)."""
    async with job_context(fake_site.url, pooled, redis, redis_url) as context:
        yield context


async def test_changed_templates_are_read_or_quarantined_and_410_withdraws(
    decisions: list[CorpusEntry],
    fake_site: FakeSite,
    ctx: jobs.JobContext,
    pooled: Maker,
    database_url: str,
    redis_url: str,
) -> None:
    today = datetime.now(UTC).date()
    built, truth = synthetic.build(decisions, 60, first_day=today - timedelta(days=45), days=44)
    fake_site.decisions.update(built.decisions)
    refs = sorted(truth)
    await refresh(pooled, ctx, "before")
    assert {d.reference for d in (await _stored(pooled)).values()} == set(refs)

    # The site changes: some pages in its other known templates, some in templates nobody has
    # seen, some withdrawn, and new decisions that appear only in the unreadable template.
    as_dl, as_flat, as_app, as_table, gone = (refs[i : i + 8] for i in range(0, 40, 8))
    for refs_, render in (
        (as_dl, lambda e: e.html("dl")),
        (as_flat, lambda e: e.html("flat")),
        (as_app, app_shell),
        (as_table, table_shape),
    ):
        for ref in refs_:
            fake_site.decisions[truth[ref].path].html = render(truth[ref])
    fake_site.gone |= {truth[ref].path for ref in gone}
    extra_site, extra = synthetic.build(
        decisions[5:], 64, first_day=today - timedelta(days=45), days=44
    )
    unseen = [extra[r] for r in sorted(extra)[60:]]  # 26 000 060..063: not on the site before
    for e in unseen:
        fake_site.add(_fake(extra_site, e, app_shell(e)))
    run_id = await refresh(pooled, ctx, "after")

    stored = await _stored(pooled)
    run, failures = await run_record(pooled, run_id)
    quarantined = {f.reference: f for f in failures}
    # Known templates read right: same content, no new version.
    for ref in as_dl + as_flat:
        assert synthetic.mismatches(stored[ref], truth[ref]) == [], ref
    # Unreadable pages: quarantined with a reason and their raw page; the stored decision is
    # what the last readable page said, and a decision seen only unreadable is not stored.
    for ref in as_app + [e.reference for e in unseen]:
        failure = quarantined[ref]
        assert failure.kind == "parse" and failure.reason and failure.raw_page_id is not None
    for ref in as_app:
        assert synthetic.mismatches(stored[ref], truth[ref]) == [], ref
    assert not {e.reference for e in unseen} & stored.keys()
    # Unannounced changes: read right, or quarantined; never stored half-read.
    for ref in as_table:
        assert ref in quarantined or synthetic.mismatches(stored[ref], truth[ref]) == [], ref
    # 410: withdrawn with the date, every field kept.
    for ref in gone:
        decision = stored[ref]
        assert decision.status == PublicationStatus.WITHDRAWN and decision.withdrawn_on == today
        problems = synthetic.mismatches(decision, truth[ref])
        withdrawn, published = PublicationStatus.WITHDRAWN, PublicationStatus.PUBLISHED
        assert problems == [f"status: {withdrawn!r} != {published!r}"], ref

    failed = len(as_app) + len(unseen) + sum(ref in quarantined for ref in as_table)
    assert len(failures) == failed
    expected = {"withdrawn": len(gone), "failed": failed, "unchanged": 64 - failed - 8}
    assert per_reference(run.counts) == expected
    assert run.counts["windows_crawled"] > 0 and run.counts["windows_complete"] == 0
    async with pooled() as session:
        kept = await session.get(RawPage, quarantined[as_app[0]].raw_page_id)
    assert kept is not None and 'id="app"' in kept.body()

    metrics = await _metrics(database_url, redis_url)
    assert f"lgsco_ingest_failures_last_24h {float(failed)}" in metrics
    assert f'lgsco_ingest_results_last_24h{{result="failed"}} {float(failed)}' in metrics
    assert f'lgsco_decisions_stored{{status="withdrawn"}} {float(len(gone))}' in metrics
    assert f'lgsco_decisions_stored{{status="published"}} {float(60 - len(gone))}' in metrics


def _fake(site: FakeSite, e: synthetic.Expected, html: str) -> FakeDecision:
    listed = site.decisions[e.path]
    return FakeDecision(
        reference=e.reference,
        path=e.path,
        html=html,
        decided_on=listed.decided_on,
        organisation=listed.organisation,
        outcome_label=listed.outcome_label,
        subcategory=listed.subcategory,
        summary=listed.summary,
    )


async def _stored(sessionmaker: Maker) -> dict[str, Decision]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(Decision).options(selectinload(Decision.organisations)))
        return {d.reference: d for d in rows}


async def _metrics(database_url: str, redis_url: str) -> str:
    app = create_app(api_settings(), database_url=database_url, redis_url=redis_url)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://test") as api:
            response = await api.get("/metrics")
    assert response.status_code == 200
    return response.text
