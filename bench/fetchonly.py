"""The crawl's baseline: fetch the same pages (every search page, then every decision page) with
httpx at the same concurrency; no parse, no store. Prints one JSON object.

Run: python -m bench.fetchonly SITE_URL --scale N [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx

from bench.synth import decisions, listing_paths
from lgsco_ingest import site


async def fetch_all(site_url: str, paths: list[str], concurrency: int) -> dict[str, object]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    statuses: dict[int, int] = {}
    received = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal received
        while not queue.empty():
            response = await client.get(queue.get_nowait())
            received += len(response.content)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    headers = {"Accept": site.ACCEPT, "Accept-Language": site.ACCEPT_LANGUAGE}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=site_url, headers=headers, limits=limits) as client:
        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    megabytes = received / 1e6
    return {"seconds": elapsed, "cpu_seconds": cpu, "statuses": statuses, "megabytes": megabytes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site_url")
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--total", type=int, required=True, help="decisions on the whole site")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    all_specs = decisions(args.scale, args.total, args.seed)
    paths = [site.DECISIONS_HOME, *listing_paths(all_specs), *(s.path for s in all_specs)]
    result = asyncio.run(fetch_all(args.site_url, paths, args.concurrency))
    print(json.dumps(result | {"pages": len(paths)}))


if __name__ == "__main__":
    main()
