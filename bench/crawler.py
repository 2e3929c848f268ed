"""One crawl of the fake site by the project's Crawler, in a process of its own (its RSS is the
worker's). Prints one JSON object: time, counts, peak RSS, CPU time and throughput per segment.

Run: python -m bench.crawler DATABASE_URL SITE_URL --scale N [--concurrency C] [--refresh]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import time
from datetime import date

from redis.asyncio import Redis

from bench.synth import crawl_range, decisions
from lgsco_ingest.crawl import Crawler
from lgsco_ingest.pipeline import IngestOutcome
from lgsco_ingest.worker import site_client
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.settings import Settings

SEGMENTS = 20  # throughput is also reported per twentieth of the crawl, for its spread


async def crawl(
    database_url: str, site_url: str, start: date, end: date, concurrency: int, refresh: bool
) -> dict[str, object]:
    settings = Settings(site_url=site_url, contact="bench@example.org", max_retries=2)
    engine = make_engine(database_url)
    # rate_limited=False: the Redis client is never used, so it never connects.
    client = site_client(settings, Redis(), rate_limited=False)
    stamps: list[float] = []

    def progress(_: IngestOutcome) -> None:
        stamps.append(time.perf_counter())

    crawler = Crawler(make_sessionmaker(engine), client, concurrency=concurrency)
    cpu0, began = time.process_time(), time.perf_counter()
    try:
        report = await crawler.crawl(start, end, refresh=refresh, progress=progress)
    finally:
        await client.aclose()
        await engine.dispose()
    elapsed = time.perf_counter() - began
    return {
        "seconds": elapsed,
        "cpu_seconds": time.process_time() - cpu0,
        "counts": dict(report.counts),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "segment_rates": _segment_rates(began, stamps),
    }


def _segment_rates(began: float, stamps: list[float]) -> list[float]:
    """Decisions a second over each of SEGMENTS equal shares of the decisions crawled."""
    size = len(stamps) // SEGMENTS
    if size == 0:
        return []
    rates, last = [], began
    for i in range(SEGMENTS):
        end = stamps[(i + 1) * size - 1]
        rates.append(size / max(end - last, 1e-9))
        last = end
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("site_url")
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--total", type=int, required=True, help="decisions on the whole site")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--refresh", action="store_true", help="re-read completed windows")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    start, end = crawl_range(decisions(args.scale, args.total, args.seed))
    result = asyncio.run(
        crawl(args.database_url, args.site_url, start, end, args.concurrency, args.refresh)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
