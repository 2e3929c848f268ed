"""Runs pages over factory rows: the list and a run show what /v1/jobs shows; a failure shows
its reason and the quarantined page as text, never as a live page."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import RunKind, RunStatus, ScheduleKind, ScheduleRunStatus
from lgsco_shared.models import (
    CrawlWindow,
    IngestFailure,
    IngestRun,
    RawPage,
    Schedule,
    ScheduleRun,
)
from tests.console.conftest import number, page, text

HOSTILE = "<html><body><script>alert('quarantined')</script><p>Not a decision</p></body></html>"


async def make_run(session: AsyncSession, **overrides: Any) -> IngestRun:
    values: dict[str, Any] = {
        "kind": RunKind.CRAWL,
        "job_key": f"crawl:test:{datetime.now(UTC).timestamp()}",
        "params": {"kind": "crawl", "from": "2024-01-01", "to": "2024-01-31", "organisation": None},
        "status": RunStatus.SUCCEEDED,
        "counts": {"new": 3, "unchanged": 7, "failed": 1},
        "started_at": datetime(2024, 2, 1, 3, 15, tzinfo=UTC),
        "finished_at": datetime(2024, 2, 1, 3, 16, 5, tzinfo=UTC),
    }
    run = IngestRun(**(values | overrides))
    session.add(run)
    await session.flush()
    return run


async def quarantine(session: AsyncSession, run: IngestRun, body: str = HOSTILE) -> IngestFailure:
    raw = RawPage(
        reference="24 001 234",
        url="https://www.lgo.org.uk/decisions/x/24-001-234",
        status_code=200,
        content_type="text/html",
        body_sha256=hashlib.sha256(body.encode()).hexdigest(),
        body_zlib=zlib.compress(body.encode(), 6),
        body_size=len(body.encode()),
        fetched_at=datetime.now(UTC),
    )
    session.add(raw)
    await session.flush()
    failure = IngestFailure(
        run_id=run.id,
        reference="24 001 234",
        url=raw.url,
        kind="parse",
        reason="no <article> holding the decision: the page is not a decision page",
        raw_page_id=raw.id,
    )
    session.add(failure)
    await session.flush()
    return failure


class TestRunList:
    async def test_rows_equal_the_api_listing(
        self, own_site: AsyncClient, reader: dict[str, str], session: AsyncSession
    ) -> None:
        done = await make_run(session)
        await quarantine(session, done)
        await make_run(
            session,
            kind=RunKind.INGEST_REFERENCE,
            params={"kind": "ingest_reference", "reference": "22 003 374"},
            status=RunStatus.FAILED,
            counts={},
            error="FetchError: the site answered 503 six times",
        )
        tree = page(await own_site.get("/console/runs"))
        listing = (await own_site.get(headers=reader, url="/v1/jobs", params={"limit": 25})).json()
        rows = tree.css("#runs tbody tr")
        assert [int(str(r.attributes["data-run"])) for r in rows] == [
            i["id"] for i in listing["items"]
        ]
        for row, item in zip(rows, listing["items"], strict=True):
            assert item["status"] in text(row.css_first(".status"))
            counts = {
                str(s.attributes["data-count"]): number(text(s.css_first("strong")))
                for s in row.css("[data-count]")
            }
            assert counts == item["counts"]
            assert (
                number(text(row.css_first("[data-field=failures_count]"))) == item["failures_count"]
            )
        assert "FetchError" in text(rows[0])
        assert "Decision 22 003 374" in text(rows[0])
        assert "1 Jan 2024 to 31 Jan 2024" in text(rows[1])
        assert text(rows[1].css_first("[data-field=duration]")) == "1 min 5 s"

    async def test_filters_and_pages_like_the_api(
        self, own_site: AsyncClient, reader: dict[str, str], session: AsyncSession
    ) -> None:
        for _ in range(27):
            await make_run(session)
        await make_run(
            session,
            status=RunStatus.QUEUED,
            kind=RunKind.REFRESH,
            params={"scheduled": "refresh_recent"},
        )
        queued = page(await own_site.get("/console/runs", params={"status": "queued"}))
        assert len(queued.css("#runs tbody tr")) == 1
        assert "Scheduled: refresh_recent" in text(queued.css_first("#runs tbody tr"))
        first = page(await own_site.get("/console/runs"))
        older = first.css_first("a[rel=next]")
        assert older is not None
        second = page(await own_site.get(str(older.attributes["href"])))
        api_first = (
            await own_site.get(headers=reader, url="/v1/jobs", params={"limit": 25})
        ).json()
        api_second = (
            await own_site.get(
                headers=reader,
                url="/v1/jobs",
                params={"limit": 25, "cursor": api_first["next_cursor"]},
            )
        ).json()
        assert [int(str(r.attributes["data-run"])) for r in second.css("#runs tbody tr")] == [
            i["id"] for i in api_second["items"]
        ]

    async def test_a_filter_the_api_refuses_is_refused_not_ignored(
        self, own_site: AsyncClient, session: AsyncSession
    ) -> None:
        await make_run(session)
        refused = await own_site.get("/console/runs", params={"status": "finished"})
        assert refused.status_code == 422
        assert "status" in text(page(refused).css_first("main"))
        assert not page(refused).css("#runs tbody tr")
        forged = await own_site.get("/console/runs", params={"cursor": "12"})
        assert forged.status_code == 422

    async def test_shows_the_schedules_with_last_and_next_run_and_the_queue(
        self, own_site: AsyncClient, reader: dict[str, str], session: AsyncSession
    ) -> None:
        schedule = Schedule(
            name="console-daily",
            kind=ScheduleKind.REFRESH,
            params={"months": 6},
            cron="15 3 * * *",
            timezone="UTC",
            description="",
            enabled=True,
        )
        session.add(schedule)
        await session.flush()
        refresh = await make_run(
            session, kind=RunKind.REFRESH, params={"scheduled": "console-daily"}
        )
        session.add(
            ScheduleRun(
                schedule_id=schedule.id,
                due_at=datetime(2024, 2, 1, 3, 15, tzinfo=UTC),
                status=ScheduleRunStatus.CREATED,
                run_id=refresh.id,
                manual=False,
                missed=0,
            )
        )
        await session.flush()
        tree = page(await own_site.get("/console/runs"))
        listed = (await own_site.get(headers=reader, url="/v1/schedules")).json()["items"]
        rows = tree.css("#schedule tbody tr")
        assert len(rows) == len(listed) >= 1
        for row, item in zip(rows, listed, strict=True):
            assert row.attributes["data-schedule"] == str(item["id"])
            assert item["cron"] in text(row) and item["timezone"] in text(row)
            next_run = row.css("time")[-1].attributes["datetime"]
            assert datetime.fromisoformat(str(next_run)) == datetime.fromisoformat(
                item["next_run_at"]
            )
            shown = number(text(row.css_first("[data-field=requests_per_day]")))
            assert shown == item["projected"]["requests_per_day"]
            link = row.css_first("a")
            assert (link is not None) == (item["last_run"] is not None)
        mine = tree.css_first(f"#schedule tr[data-schedule='{schedule.id}']")
        assert mine is not None
        assert f"/console/runs/{refresh.id}" in (mine.html or "")
        # Without a jobs:write key: no actions, a note on what is needed.
        assert tree.css_first("#schedule form") is None
        assert tree.css_first("#schedule-needs-key") is not None
        status = (await own_site.get(headers=reader, url="/v1/status")).json()
        assert number(text(tree.css_first("#queue-depth"))) == status["queue_depth"]


class TestRunPage:
    async def test_shows_the_run_as_the_api_does_with_its_failures(
        self, own_site: AsyncClient, reader: dict[str, str], session: AsyncSession
    ) -> None:
        run = await make_run(session)
        failure = await quarantine(session, run)
        session.add(
            CrawlWindow(
                starts_on=datetime(2024, 1, 1).date(),
                ends_on=datetime(2024, 1, 31).date(),
                organisation="",
                total=12,
                next_page=3,
                run_id=run.id,
                completed_at=datetime.now(UTC),
            )
        )
        await session.flush()
        detail = (await own_site.get(headers=reader, url=f"/v1/jobs/{run.id}")).json()
        tree = page(await own_site.get(f"/console/runs/{run.id}"))
        assert text(tree.css_first("title")).startswith(f"Run {run.id} (succeeded) –")
        counts = {
            str(td.attributes["data-count"]): number(text(td)) for td in tree.css("#run-counts td")
        }
        assert counts == detail["counts"]
        assert (
            number(text(tree.css_first("[data-field=failures_count]"))) == detail["failures_count"]
        )
        rows = tree.css("#failure-list tbody tr")
        assert [text(r.css_first("th")) for r in rows] == [
            f"Failure {f['id']}" for f in detail["failures"]
        ]
        assert tree.css_first(f"a[href='/console/failures/{failure.id}#raw-page']") is not None
        assert "12" in text(tree.css_first("#windows tbody tr"))
        progress = tree.css_first("[data-active]")
        assert progress is not None and progress.attributes["data-active"] == "false"
        assert tree.css_first("noscript meta") is None  # finished: no self-reload

    async def test_an_active_run_polls_and_reloads_itself_without_javascript(
        self, own_site: AsyncClient, session: AsyncSession
    ) -> None:
        run = await make_run(
            session,
            status=RunStatus.RUNNING,
            finished_at=None,
            heartbeat_at=datetime.now(UTC) - timedelta(seconds=5),
            counts={"new": 1},
        )
        response = await own_site.get(f"/console/runs/{run.id}")
        tree = page(response)
        poller = tree.css_first("[data-poll]")
        assert poller is not None
        assert poller.attributes["data-poll"] == f"/console/runs/{run.id}/progress"
        refresh = tree.css_first("head noscript meta[http-equiv=refresh]")
        assert refresh is not None
        script = tree.css_first("script[src]")
        assert script is not None and str(script.attributes["src"]).startswith(
            "/console/static/progress.js"
        )
        fragment = await own_site.get(f"/console/runs/{run.id}/progress")
        part = page(fragment)
        assert part.css_first("[data-active]").attributes["data-active"] == "true"  # type: ignore[union-attr]
        assert part.css_first("[data-status]").attributes["data-status"] == "running"  # type: ignore[union-attr]
        assert "<html" not in fragment.text

    @pytest.mark.parametrize(
        ("status", "says"),
        [
            (RunStatus.QUEUED, "and is queued for the worker."),
            (RunStatus.RUNNING, "; the worker is carrying it out."),
            (RunStatus.SUCCEEDED, "and has succeeded."),
            (RunStatus.FAILED, "and has failed."),
        ],
    )
    async def test_the_notice_after_a_request_says_what_the_run_is_doing_now(
        self, own_site: AsyncClient, session: AsyncSession, status: RunStatus, says: str
    ) -> None:
        """Reloaded (or polled) after the run moved on, the page never says "queued" above a
        run that succeeded: the notice is part of the polled progress."""
        run = await make_run(session, status=status)
        expected = f"Your request was recorded as run {run.id}"
        tree = page(await own_site.get(f"/console/runs/{run.id}?submitted=new"))
        poller = tree.css_first("[data-poll]")
        assert poller is not None
        assert poller.attributes["data-poll"] == f"/console/runs/{run.id}/progress?submitted=new"
        notice = text(tree.css_first("#run-notice"))
        assert notice.startswith(expected) and notice.endswith(says), notice
        assert text(tree.css_first("#run-status")).startswith(status.value)
        fragment = page(await own_site.get(f"/console/runs/{run.id}/progress?submitted=new"))
        assert text(fragment.css_first("#run-notice")) == notice
        bogus = page(await own_site.get(f"/console/runs/{run.id}?submitted=<b>"))
        assert bogus.css_first("#run-notice") is None

    async def test_unknown_runs_are_404_pages(self, own_site: AsyncClient) -> None:
        for path in ("/console/runs/999999", "/console/runs/abc", "/console/runs/0"):
            response = await own_site.get(path)
            assert response.status_code == 404, path
            assert page(response).css_first("h1") is not None


class TestFailurePage:
    async def test_shows_the_reason_and_the_page_as_text(
        self, own_site: AsyncClient, session: AsyncSession
    ) -> None:
        run = await make_run(session)
        failure = await quarantine(session, run)
        response = await own_site.get(f"/console/failures/{failure.id}")
        tree = page(response)
        assert "not a decision page" in text(tree.css_first("#reason"))
        assert text(tree.css_first("#raw-source")) == HOSTILE
        assert tree.css_first("script:not([src])") is None  # the page's script is only text
        assert "<script>alert" not in response.text

    async def test_download_is_plain_text_in_a_sandbox(
        self, own_site: AsyncClient, session: AsyncSession
    ) -> None:
        failure = await quarantine(session, await make_run(session))
        response = await own_site.get(f"/console/failures/{failure.id}/raw")
        assert response.status_code == 200
        assert response.text == HOSTILE
        assert response.headers["content-type"].startswith("text/plain")
        assert "sandbox" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"].startswith("attachment")

    async def test_a_failure_without_a_page_says_so(
        self, own_site: AsyncClient, reader: dict[str, str], session: AsyncSession
    ) -> None:
        run = await make_run(session)
        session.add(
            IngestFailure(run_id=run.id, reference=None, url="/x", kind="fetch", reason="timeout")
        )
        await session.flush()
        detail = (await own_site.get(headers=reader, url=f"/v1/jobs/{run.id}")).json()
        failure_id = detail["failures"][0]["id"]
        tree = page(await own_site.get(f"/console/failures/{failure_id}"))
        assert tree.css_first("#raw-source") is None
        assert (await own_site.get(f"/console/failures/{failure_id}/raw")).status_code == 404


@pytest.mark.parametrize("path", ["/console/failures/77777777", "/console/failures/x"])
async def test_unknown_failures_are_404(own_site: AsyncClient, path: str) -> None:
    assert (await own_site.get(path)).status_code == 404
