"""Benchmark: what parsing in a child process (lgsco_ingest.parsebox) costs per page.

Pages are the invented decisions rendered in the site's template with its chrome (the shape of
real pages, ~50 KB). For each page: the pre-checks alone; parse + normalise in this process (what
the worker did before); and the same through `Parser.decision` (pre-checks, a pipe to a child
process and back, the record unpickled). The difference is the process hop. Wall-clock time over
several rounds after a warm-up; run on a quiet machine: `.venv/bin/python bench/parse_overhead.py`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lgsco_ingest import parsebox
from lgsco_ingest.extract import normalise
from lgsco_ingest.site.parse import parse_decision
from tests.fakesite.invented import invented
from tests.fakesite.render import render_decision

ROUNDS = 5


def in_process(html: str, url: str) -> object:
    return normalise.decision(parse_decision(html, url=url), permalink=url)


async def main() -> None:
    pages = [(render_decision(e.text), e.path) for e in invented()]
    parser = parsebox.Parser(parsebox.Limits(processes=1))
    for html, url in pages[:5]:  # warm-up: start the child, compile its expressions
        await parser.decision(html, url=url, reference=None)
        in_process(html, url)
    local, hopped, checks = [], [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for html, _url in pages:
            parsebox.precheck(html, parser.limits)
        checks.append((time.perf_counter() - started) / len(pages))
        started = time.perf_counter()
        for html, url in pages:
            in_process(html, url)
        local.append((time.perf_counter() - started) / len(pages))
        started = time.perf_counter()
        for html, url in pages:
            await parser.decision(html, url=url, reference=None)
        hopped.append((time.perf_counter() - started) / len(pages))
    parsebox.close_all()
    size = statistics.mean(len(html) for html, _ in pages) / 1024
    ms = lambda values: statistics.median(values) * 1000  # noqa: E731
    print(f"{len(pages)} pages of {size:.0f} KB on average, median of {ROUNDS} rounds:")
    print(f"  pre-checks alone        {ms(checks):6.2f} ms a page")
    print(f"  parse in this process   {ms(local):6.2f} ms a page")
    print(f"  parse in a child        {ms(hopped):6.2f} ms a page")
    print(f"  the process hop         {ms(hopped) - ms(local):6.2f} ms a page")


if __name__ == "__main__":
    asyncio.run(main())
