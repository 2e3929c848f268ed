"""Benchmark 2: a full crawl from empty and an unchanged re-crawl, against fetching only.

The fake site (its own process) serves `total` decisions; the crawl reads the oldest `scale` of
them, month window by month window, at the site's full density (~450 a month), so decisions a
second at `scale` are those of a crawl of all `total`, and the full-size time is extrapolated
from them. Each crawl runs lgsco_ingest.crawl.Crawler in a process of its own (its peak RSS is
the worker's); the fetch-only baseline (bench/fetchonly.py) runs before, between and after them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from bench.common import (
    Services,
    Spread,
    create_database,
    database_sizes,
    drop_database,
    run_json,
    say,
)
from bench.site import SiteProcess
from bench.synth import decisions


@dataclass
class CrawlResult:
    database_url: str  # kept for the API benchmark
    scale: int  # decisions crawled
    total: int  # decisions on the site
    concurrency: int
    first: dict[str, Any]  # bench/crawler.py's report of the full crawl
    second: dict[str, Any]  # ... and of the unchanged re-crawl
    baselines: list[dict[str, Any]] = field(default_factory=list)  # bench/fetchonly.py's
    sizes: dict[str, int] = field(default_factory=dict)  # bytes after the full crawl
    empty_sizes: dict[str, int] = field(default_factory=dict)  # bytes of the migrated database

    def rate(self, report: dict[str, Any]) -> float:
        """Decisions a second."""
        return self.scale / float(report["seconds"])

    @property
    def crawl_rate(self) -> Spread:
        """The full crawl's rate, with the spread of its rate over twentieths of the crawl."""
        segments = self.first["segment_rates"] or [self.rate(self.first)]
        return Spread(self.rate(self.first), min(segments), max(segments), len(segments))

    @property
    def baseline_rate(self) -> Spread:
        return Spread.of([self.rate(b) for b in self.baselines])

    @property
    def minutes_at_total(self) -> float:
        return self.total / self.rate(self.first) / 60

    @property
    def recrawl_speedup(self) -> float:
        return float(self.first["seconds"]) / float(self.second["seconds"])

    @property
    def peak_rss_mb(self) -> float:
        return max(float(self.first["peak_rss_mb"]), float(self.second["peak_rss_mb"]))

    def megabytes_per_thousand(self, table: str) -> float:
        grown = self.sizes[table] - self.empty_sizes.get(table, 0)
        return grown / self.scale * 1000 / 1e6


def _args(scale: int, total: int, concurrency: int) -> list[str]:
    return ["--scale", str(scale), "--total", str(total), "--concurrency", str(concurrency)]


def run(svc: Services, *, scale: int, total: int, concurrency: int) -> CrawlResult:
    url = create_database(svc.postgres_admin_url, "crawl")
    try:
        return _run(url, scale=scale, total=total, concurrency=concurrency)
    except BaseException:
        drop_database(svc.postgres_admin_url, url)
        raise


def _run(url: str, *, scale: int, total: int, concurrency: int) -> CrawlResult:
    crawled = len(decisions(scale, total))
    empty = asyncio.run(database_sizes(url))
    args = _args(scale, total, concurrency)
    with SiteProcess(total) as site:
        fetch = ["-m", "bench.fetchonly", site.url, *args]
        crawl = ["-m", "bench.crawler", url, site.url, *args]
        baselines = []
        say(f"crawl: fetch-only baseline 1/3 ({crawled:,} decisions, concurrency {concurrency})")
        baselines.append(run_json(fetch))
        say(f"crawl: full crawl from empty ({crawled:,} decisions of {total:,})")
        first = run_json(crawl)
        sizes = asyncio.run(database_sizes(url))
        say("crawl: fetch-only baseline 2/3")
        baselines.append(run_json(fetch))
        say("crawl: unchanged re-crawl")
        second = run_json([*crawl, "--refresh"])
        say("crawl: fetch-only baseline 3/3")
        baselines.append(run_json(fetch))
    result = CrawlResult(url, crawled, total, concurrency, first, second, baselines, sizes, empty)
    for report, expected in ((first, "new"), (second, "unchanged")):
        if report["counts"] != {expected: crawled}:
            say(f"crawl: WARNING counts {report['counts']}, expected {{{expected!r}: {crawled}}}")
    return result
