"""bench/run: every benchmark of issue 5, then bench/results.md.

PostgreSQL and Redis: LGSCO_BENCH_DATABASE_URL (a database we may CREATE DATABASE from) and
LGSCO_BENCH_REDIS_URL if set, else embedded servers in bench/.work/services. Each run crawls into
a new database and drops it at the end (--keep to keep it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import api, crawl, curve, parse, report, startup
from bench.common import REPO, WORK, drop_database, fetch, say, services

STAGES = ("parse", "crawl", "api", "startup")
ISSUE_SIZE = 60_000  # the issue's site: about 57,500 decisions published, rounded up
# Decisions crawled by default: the crawl runs at ~25-45 decisions a second here, so the issue's
# 60,000 (plus the re-crawl and three baselines) would take over an hour, twice the budget;
# this many keeps the whole run near 25 minutes, and the result is extrapolated to 60,000.
DEFAULT_SCALE = 12_000


def arguments(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a smoke run of a couple of minutes")
    p.add_argument("--scale", type=int, help=f"decisions crawled (default {DEFAULT_SCALE:,})")
    p.add_argument("--total", type=int, help=f"decisions on the site and in the API's database "
                   f"(default {ISSUE_SIZE:,})")  # fmt: skip
    p.add_argument("--concurrency", type=int, default=8, help="crawl concurrency (default 8)")
    p.add_argument("--rounds", type=int, help="repeats of each measurement (default 3)")
    p.add_argument("--seconds", type=float, help="seconds per API measurement (default 3)")
    p.add_argument("--only", default=",".join(STAGES), help="stages, e.g. parse,startup")
    p.add_argument("--output", type=Path, help="default bench/results.md (--quick: bench/.work/)")
    p.add_argument("--keep", action="store_true", help="keep the benchmark database")
    p.add_argument("--database", help="the api stage on a database an earlier --keep run left "
                   "(no crawl)")  # fmt: skip
    p.add_argument("--scale-curve", action="store_true", help="after the api stage, grow its "
                   "database to 240,000 and 600,000 decisions and measure every endpoint at each "
                   "size (bench/curve.py; it grows a --database it is given)")  # fmt: skip
    p.add_argument("--curve-sizes", default=",".join(map(str, curve.SIZES)),
                   help="sizes of the curve (default %(default)s)")  # fmt: skip
    args = p.parse_args(argv)
    quick = args.quick
    args.scale = args.scale or (300 if quick else DEFAULT_SCALE)
    args.total = args.total or (2_000 if quick else ISSUE_SIZE)
    args.rounds = args.rounds or (1 if quick else 3)
    args.seconds = args.seconds or (0.5 if quick else 3.0)
    args.output = args.output or (
        WORK / "results-quick.md" if quick else REPO / "bench" / "results.md"
    )
    args.stages = [s.strip() for s in args.only.split(",") if s.strip()]
    args.curve_sizes = tuple(int(n) for n in args.curve_sizes.split(","))
    if unknown := set(args.stages) - set(STAGES):
        p.error(f"unknown stage(s) {sorted(unknown)}; choose from {', '.join(STAGES)}")
    if "api" in args.stages and "crawl" not in args.stages and not args.database:
        args.stages.insert(args.stages.index("api"), "crawl")  # the API reads what it crawled
    return args


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs, {memory:.0f} GB RAM, Python {platform.python_version()}, "
        f"load average at the end {load}"
    )


def main(argv: list[str]) -> int:
    args = arguments(argv)
    began = time.monotonic()
    results: dict[str, Any] = {}
    with services() as svc:
        version = asyncio.run(fetch(svc.postgres_admin_url, "SHOW server_version"))[0][0]
        where = "embedded" if svc.embedded else "configured"
        if "parse" in args.stages:
            say("parse: rendering pages and timing the parsers")
            results["parse"] = parse.run(rounds=args.rounds + 2, limit=20 if args.quick else None)
        if "crawl" in args.stages:
            results["crawl"] = crawl.run(
                svc, scale=args.scale, total=args.total, concurrency=args.concurrency
            )
        try:
            if "api" in args.stages:
                url = args.database or results["crawl"].database_url
                results["api"] = api.run(
                    svc, url, total=args.total, rounds=args.rounds, seconds=args.seconds
                )
                if args.scale_curve:
                    results["curve"] = curve.run(
                        svc, url, sizes=args.curve_sizes, seconds=args.seconds
                    )
        finally:
            if "crawl" in results and not args.keep:
                drop_database(svc.postgres_admin_url, results["crawl"].database_url)
    if "startup" in args.stages:
        results["startup"] = startup.run(rounds=args.rounds)
    info = report.RunInfo(
        when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        wall_minutes=(time.monotonic() - began) / 60,
        machine=machine(),
        command="bench/run " + " ".join(argv) if argv else "bench/run",
        services=f"{where} PostgreSQL {version} and Redis",
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report.render(info, results))
    say(f"done in {info.wall_minutes:.1f} min: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
