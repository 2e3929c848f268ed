"""Each bomb, all at once, in a fresh process running the API and the worker's code in one event
loop (as `lgsco up` does): the process stays under 300 MB of RSS and /healthz answers within a
second throughout. The hostile servers listen on 127.0.0.1 and every one of them is bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parents[2]


def test_every_bomb_costs_bounded_memory_and_never_stops_the_api(
    database_url: str, redis_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.security.bombs", database_url, redis_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps(result, indent=1))  # the figures, for the record (pytest -s)
    assert result["peak_rss_mb"] < 300, result
    assert result["slowest_healthz_s"] < 1.0, result
    assert result["healthz_asked"] > 10
    assert "bytes once decompressed" in result["page"]
    assert result["parse"][0] == "too many unclosed formatting elements: 3,000 (ceiling 200)"
    # past the pre-checks, whichever of the child's limits it reaches first stops it
    assert result["parse"][1] in {
        "parse used more than 2 s of CPU: parser stopped",
        "parse needed more than the parser's memory limit (2048 MB)",
    }
    deliveries = result["webhooks"]["deliveries"]
    assert deliveries["endless"] == ["delivered", None]
    assert deliveries["gzip"] == ["delivered", None]
    assert deliveries["drip"] == ["pending", "Timeout: no complete answer within 2 s"]
    assert result["webhooks"]["seconds"] < 5
