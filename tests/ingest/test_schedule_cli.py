"""`lgsco schedules add|list|pause|resume|run|delete` and `lgsco cancel`, end to end on the real
database and Redis: the same service as /v1/schedules, so the same checks and the same rows."""

from __future__ import annotations

import asyncio
import re

from redis.asyncio import Redis
from sqlalchemy import select
from typer.testing import CliRunner

from lgsco_cli.cli import app
from lgsco_shared.db import make_engine
from lgsco_shared.models import IngestRun, Schedule
from lgsco_shared.queue import QUEUE_NAME


async def _rows(database_url: str) -> tuple[list[Schedule], list[IngestRun]]:
    engine = make_engine(database_url, pool=False)
    async with engine.connect() as conn:
        schedules = list((await conn.execute(select(Schedule))).all())
        runs = list((await conn.execute(select(IngestRun))).all())
    await engine.dispose()
    return schedules, runs  # type: ignore[return-value]


async def _dequeue(redis_url: str, run_id: int) -> None:
    redis = Redis.from_url(redis_url)
    await redis.zrem(QUEUE_NAME, f"run:{run_id}")
    await redis.delete(f"arq:job:run:{run_id}")
    await redis.aclose()


def test_schedules_from_the_command_line(emptied_database_url: str, redis_url: str) -> None:
    env = {"LGSCO_DATABASE_URL": emptied_database_url, "LGSCO_REDIS_URL": redis_url}
    cli = CliRunner()

    def run(*argv: str) -> tuple[int, str]:
        result = cli.invoke(app, list(argv), env=env)
        return result.exit_code, result.output

    code, out = run("schedules", "list")
    assert (code, out.strip()) == (0, "no schedules; add one with `lgsco schedules add`")
    code, out = run(
        "schedules", "add", "--name", "kent-weekly", "--kind", "crawl", "--months", "2",
        "--organisation", "Kent County Council", "--cron", "0 6 * * 1",
    )  # fmt: skip
    assert code == 0, out
    assert "schedule 1 'kent-weekly' (crawl, 0 6 * * 1 Europe/London): active" in out
    assert len(re.findall(r"  next: \d{4}-\d\d-\d\d 0[56]:00", out)) == 5
    assert "about 84 requests a day (at most 40000)" in out

    code, out = run("schedules", "add", "--name", "bad", "--cron", "61 * * * *")
    assert code == 2 and "Bad minute" in out
    code, out = run("schedules", "add", "--name", "x", "--cron", "*/5 * * * *", "--months", "24")
    assert code == 2 and "requests a day" in out

    assert run("schedules", "pause", "kent-weekly")[0] == 0
    code, out = run("schedules", "list")
    assert code == 0
    header, row = out.strip().splitlines()
    assert header.split()[:6] == ["ID", "NAME", "KIND", "CRON", "TIMEZONE", "STATUS"]
    assert row.split()[:2] == ["1", "kent-weekly"] and " paused " in row and "never" in row
    assert run("schedules", "resume", "1")[0] == 0

    code, out = run("schedules", "run", "kent-weekly")
    assert code == 0, out
    run_id = int(re.findall(r"run (\d+) queued", out)[0])
    code, out = run("schedules", "run", "kent-weekly")
    assert code == 1 and f"run {run_id} of this schedule was still queued or running" in out

    code, out = run("cancel", str(run_id))
    assert (code, out.strip()) == (0, f"run {run_id} cancelled")
    code, out = run("cancel", str(run_id))
    assert code == 1 and "has finished (cancelled)" in out
    asyncio.run(_dequeue(redis_url, run_id))

    schedules, runs = asyncio.run(_rows(emptied_database_url))
    assert [(s.name, s.enabled, s.created_by, s.changed_by) for s in schedules] == [
        ("kent-weekly", True, "cli", "cli")
    ]
    assert [(r.id, r.status.value, r.cancelled_by) for r in runs] == [(run_id, "cancelled", "cli")]
    assert run("schedules", "delete", "kent-weekly")[0] == 0
    code, out = run("schedules", "pause", "kent-weekly")
    assert code == 1 and "No schedule kent-weekly is stored." in out
