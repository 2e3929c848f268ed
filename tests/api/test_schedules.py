"""/v1/schedules through the API: create, read, change, pause and resume, run now, history and
delete, with the cron and time zone checked and the projected requests refused above the
ceiling; DELETE /v1/jobs/{id} cancels a run. Scopes: changes need jobs:write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest_asyncio
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared import schedules
from lgsco_shared.queue import QUEUE_NAME
from lgsco_shared.schedule import months_back
from tests.api.conftest import _client, build_app
from tests.api.factories import make_decision

LONDON = ZoneInfo("Europe/London")
WEEKLY = {
    "name": "kent-weekly",
    "kind": "crawl",
    "params": {"months": 2, "organisation": "Kent County Council"},
    "cron": "0 6 * * 1",
    "description": "Kent, every Monday.",
}


@pytest_asyncio.fixture(loop_scope="function")
async def queued(redis_url: str) -> AsyncIterator[list[int]]:
    """Run ids this test queued; removed from Redis afterwards so no worker picks them up."""
    ids: list[int] = []
    yield ids
    redis = Redis.from_url(redis_url)
    for run_id in ids:
        await redis.zrem(QUEUE_NAME, f"run:{run_id}")
        await redis.delete(f"arq:job:run:{run_id}")
    await redis.aclose()


@pytest_asyncio.fixture
async def api(council_api: AsyncClient) -> AsyncClient:
    """Requests carry a council's `read` key (schedules are council data); a request that sends
    its own key (a writer's) uses that one."""
    return council_api


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


class TestCreateAndRead:
    async def test_create_returns_the_next_five_due_times_in_its_zone(
        self, api: AsyncClient, make_key: Any
    ) -> None:
        writer = await make_key("jobs:write", name="ops-writer")
        response = await api.post("/v1/schedules", json=WEEKLY, headers=writer)
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["location"] == body["href"] == f"/v1/schedules/{body['id']}"
        assert body["created_by"] == body["changed_by"] == "ops-writer"
        assert body["timezone"] == "Europe/London" and body["enabled"] is True
        assert body["params"] == {
            "months": 2,
            "organisation": "Kent County Council",
            "refresh": False,
        }
        times = [when(t) for t in body["next_runs"]]
        assert len(times) == 5 and times == sorted(times)
        for t in times:  # Mondays at 06:00 London time, winter or summer
            local = t.astimezone(LONDON)
            assert (local.weekday(), local.hour, local.minute) == (0, 6, 0)
        assert when(body["next_run_at"]) == times[0]
        # Three month windows, 25 decisions and 3 listing pages each; once on its busiest day.
        assert body["projected"] == {
            "requests_per_run": 3 * (25 + 3),
            "basis": (
                "assumption: 25 decisions of Kent County Council a month (only 0 of the 12 full "
                f"months before {datetime.now(UTC):%Y-%m} hold stored decisions; 6 are needed "
                "to count them)"
            ),
            "runs_on_busiest_day": 1,
            "requests_per_day": 84,
            "ceiling": 40_000,
        }

        one = (await api.get(body["href"])).json()
        assert one["name"] == "kent-weekly" and one["next_runs"] == body["next_runs"]
        listing = (await api.get("/v1/schedules")).json()
        assert listing["enabled"] is True
        assert [s["name"] for s in listing["items"] if s["id"] == body["id"]] == ["kent-weekly"]

    async def test_a_bad_cron_or_zone_or_parameter_is_a_422_naming_it(
        self, api: AsyncClient, make_key: Any
    ) -> None:
        writer = await make_key("jobs:write")
        cases = [
            ({"cron": "61 6 * * 1"}, "cron", "Bad minute"),
            ({"cron": "0 6 * *"}, "cron", "five fields"),
            ({"timezone": "Europe/Londres"}, "timezone", "unknown time zone"),
            ({"params": {"months": 2, "organisation": ""}}, "params.organisation", "at least 1"),
            ({"kind": "recheck", "params": {"months": 2}}, "params.months", "not permitted"),
            ({"name": "Kent Weekly"}, "name", "lower-case"),
        ]
        for change, parameter, message in cases:
            response = await api.post("/v1/schedules", json=WEEKLY | change, headers=writer)
            assert response.status_code == 422, (change, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            errors = response.json()["errors"]
            assert [e["parameter"] for e in errors] == [parameter], errors
            assert message in errors[0]["message"]
        assert (await api.post("/v1/schedules", json=WEEKLY, headers=writer)).status_code == 201
        again = await api.post("/v1/schedules", json=WEEKLY, headers=writer)
        assert again.status_code == 409
        assert "exists already" in again.json()["detail"]

    async def test_a_schedule_over_the_request_ceiling_is_refused(
        self, api: AsyncClient, make_key: Any
    ) -> None:
        writer = await make_key("jobs:write")
        every_five_minutes = {
            "name": "too-often",
            "kind": "refresh",
            "params": {"months": 24},
            "cron": "*/5 * * * *",
        }
        response = await api.post("/v1/schedules", json=every_five_minutes, headers=writer)
        assert response.status_code == 422
        detail = response.json()["detail"]
        # 25 windows × (480 decisions + 48 listing pages), 288 times a day
        assert "about 3801600 requests a day" in detail and "40000" in detail
        daily = every_five_minutes | {"cron": "15 3 * * *"}
        assert (await api.post("/v1/schedules", json=daily, headers=writer)).status_code == 201

    async def test_the_ceiling_is_a_setting_and_patch_is_checked_too(
        self, database_url: str, redis_url: str, session: AsyncSession, make_key: Any
    ) -> None:
        writer = await make_key("jobs:write")
        app = build_app(database_url, redis_url, session, schedule_max_requests_per_day=1000)
        async for api in _client(app):
            small = WEEKLY | {"params": {"months": 0, "organisation": "Kent County Council"}}
            created = await api.post("/v1/schedules", json=small, headers=writer)
            assert created.status_code == 201, created.text
            assert created.json()["projected"]["ceiling"] == 1000
            wider = {"kind": "refresh", "params": {"months": 6}}
            response = await api.patch(created.json()["href"], json=wider, headers=writer)
            assert response.status_code == 422
            assert "the most allowed is 1000" in response.json()["detail"]
            unchanged = (await api.get(created.json()["href"], headers=writer)).json()
            assert unchanged["kind"] == "crawl" and unchanged["params"]["months"] == 0


class TestChange:
    async def test_patch_pause_resume_and_delete(self, api: AsyncClient, make_key: Any) -> None:
        writer = await make_key("jobs:write", name="changer")
        href = (await api.post("/v1/schedules", json=WEEKLY, headers=writer)).json()["href"]
        changed = await api.patch(
            href, json={"cron": "30 1 * * *", "timezone": "UTC"}, headers=writer
        )
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert body["cron"] == "30 1 * * *" and body["changed_by"] == "changer"
        assert all((when(t).hour, when(t).minute) == (1, 30) for t in body["next_runs"]), body[
            "next_runs"
        ]
        assert body["params"]["organisation"] == "Kent County Council"  # not sent: kept

        paused = (await api.post(f"{href}/pause", headers=writer)).json()
        assert paused["enabled"] is False
        assert paused["next_run_at"] is None and paused["next_runs"] == []
        resumed = (await api.post(f"{href}/resume", headers=writer)).json()
        assert resumed["enabled"] is True and len(resumed["next_runs"]) == 5
        via_patch = (await api.patch(href, json={"enabled": False}, headers=writer)).json()
        assert via_patch["enabled"] is False

        assert (await api.delete(href, headers=writer)).status_code == 204
        missing = await api.get(href)
        assert missing.status_code == 404
        assert (await api.patch(href, json={"enabled": True}, headers=writer)).status_code == 404

    async def test_changes_need_jobs_write_and_reads_follow_the_jobs_listing(
        self, database_url: str, redis_url: str, session: AsyncSession, make_key: Any
    ) -> None:
        reader = await make_key("read")
        writer = await make_key("jobs:write")
        for keys_required in (False, True):
            app = build_app(database_url, redis_url, session, require_api_key=keys_required)
            async for api in _client(app):
                assert (await api.post("/v1/schedules", json=WEEKLY)).status_code == 401
                refused = await api.post("/v1/schedules", json=WEEKLY, headers=reader)
                assert refused.status_code == 403
                anonymous = await api.get("/v1/schedules")
                jobs = await api.get("/v1/jobs")
                # Runs and schedules are council data: a key is needed whatever the setting.
                assert anonymous.status_code == jobs.status_code == 401
                assert (await api.get("/v1/schedules", headers=reader)).status_code == 200
        app = build_app(database_url, redis_url, session)
        async for api in _client(app):
            href = (await api.post("/v1/schedules", json=WEEKLY, headers=writer)).json()["href"]
            for method, path in (
                ("PATCH", href),
                ("DELETE", href),
                ("POST", f"{href}/pause"),
                ("POST", f"{href}/resume"),
                ("POST", f"{href}/run"),
            ):
                response = await api.request(method, path, json={}, headers=reader)
                assert response.status_code == 403, (method, path)


class TestRunNowAndHistory:
    async def test_run_now_creates_a_run_and_a_second_one_is_skipped_while_it_is_queued(
        self, api: AsyncClient, make_key: Any, queued: list[int]
    ) -> None:
        writer = await make_key("jobs:write", name="runner")
        href = (await api.post("/v1/schedules", json=WEEKLY, headers=writer)).json()["href"]
        response = await api.post(f"{href}/run", headers=writer)
        assert response.status_code == 202, response.text
        body = response.json()
        run = body["run"]
        queued.append(run["id"])
        assert response.headers["location"] == f"/v1/jobs/{run['id']}"
        assert (run["kind"], run["status"]) == ("crawl", "queued")
        assert run["params"]["organisation"] == "Kent County Council"
        assert run["params"]["scheduled"] == "kent-weekly"
        assert body["due"]["manual"] is True and body["due"]["created_by"] == "runner"

        second = await api.post(f"{href}/run", headers=writer)
        assert second.status_code == 409
        assert (
            f"run {run['id']} of this schedule was still queued or running"
            in (second.json()["detail"])
        )
        history = (await api.get(f"{href}/runs")).json()["items"]
        assert [(h["status"], h["run_id"]) for h in history] == [
            ("skipped", None),
            ("created", run["id"]),
        ]
        assert history[1]["run_status"] == "queued" and history[1]["failures_count"] == 0
        listed = (await api.get(href)).json()
        assert listed["last_run"]["id"] == run["id"]

        cancelled = await api.delete(f"/v1/jobs/{run['id']}", headers=writer)
        assert cancelled.status_code == 202
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["cancelled_by"] == "runner"
        third = await api.post(f"{href}/run", headers=writer)
        assert third.status_code == 202  # the previous run is over: a new one starts
        queued.append(third.json()["run"]["id"])
        paged = (await api.get(f"{href}/runs", params={"limit": 2})).json()
        assert len(paged["items"]) == 2 and paged["next_cursor"] is not None
        rest = (await api.get(f"{href}/runs", params={"cursor": paged["next_cursor"]})).json()
        assert [h["run_id"] for h in rest["items"]] == [run["id"]]
        assert rest["items"][0]["run_status"] == "cancelled"


class TestCancel:
    async def test_a_queued_run_is_cancelled_at_once_and_a_finished_one_is_a_409(
        self, api: AsyncClient, make_key: Any, queued: list[int]
    ) -> None:
        writer = await make_key("jobs:write", name="canceller")
        reader = await make_key("read")
        submitted = await api.post(
            "/v1/jobs", json={"kind": "ingest_reference", "reference": "22 003 374"}, headers=writer
        )
        run_id = submitted.json()["id"]
        queued.append(run_id)
        anonymous = api.build_request("DELETE", f"/v1/jobs/{run_id}")
        del anonymous.headers["authorization"]
        assert (await api.send(anonymous)).status_code == 401
        assert (await api.delete(f"/v1/jobs/{run_id}", headers=reader)).status_code == 403
        response = await api.post(f"/v1/jobs/{run_id}/cancel", headers=writer)
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "cancelled" and body["cancel_requested_at"] is not None
        assert body["finished_at"] is not None
        again = await api.delete(f"/v1/jobs/{run_id}", headers=writer)
        assert again.status_code == 409
        assert (
            again.json()["detail"] == f"Run {run_id} has finished (cancelled): nothing to cancel."
        )
        assert (await api.delete("/v1/jobs/2147483000", headers=writer)).status_code == 404
        listed = (await api.get("/v1/jobs", params={"status": "cancelled"})).json()
        assert [r["id"] for r in listed["items"]] == [run_id]
        # A new request for the same work is a new run (a cancelled one is not "the same").
        resubmitted = await api.post(
            "/v1/jobs", json={"kind": "ingest_reference", "reference": "22 003 374"}, headers=writer
        )
        assert resubmitted.json()["created"] is True and resubmitted.json()["id"] != run_id
        queued.append(resubmitted.json()["id"])


class TestProjectionBasis:
    async def test_decisions_a_month_are_counted_from_the_stored_ones_once_there_are_enough(
        self, session: AsyncSession
    ) -> None:
        """The busiest full month counts, not the current one (still filling up); with fewer
        than six months stored, the assumption is used and said to be one."""
        now = datetime(2026, 12, 2, tzinfo=UTC)
        org = "Loamshire Borough Council"
        for back, n in [(1, 30), (2, 41), (3, 12), (4, 9)]:
            month = months_back(now.date(), back)
            for day in range(n):
                await make_decision(
                    session, organisations=(org,), decided_on=month + timedelta(days=day % 28)
                )
        few = await schedules.monthly_decisions(session, org, now)
        assert (few.per_month, few.basis) == (
            25,
            f"assumption: 25 decisions of {org} a month (only 4 of the 12 full months before "
            "2026-12 hold stored decisions; 6 are needed to count them)",
        )
        for back in (5, 6):
            await make_decision(
                session, organisations=(org,), decided_on=months_back(now.date(), back)
            )
        for _ in range(90):  # the current month, partly published: not counted
            await make_decision(session, organisations=(org,), decided_on=now.date())
        counted = await schedules.monthly_decisions(session, org, now)
        assert (counted.per_month, counted.basis) == (
            41,
            f"estimate: 41 decisions of {org} a month, the busiest of the 12 full months "
            "before 2026-12 stored (6 hold any)",
        )
        # Nationally, the other organisations' decisions count too.
        await make_decision(
            session,
            organisations=("Other District Council",),
            decided_on=months_back(now.date(), 2),
        )
        national = await schedules.monthly_decisions(session, None, now)
        assert national.per_month == 42
