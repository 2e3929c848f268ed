"""`lgsco-worker` (`python -m lgsco_ingest`): the ingest worker alone, as its image runs it.

`lgsco-worker --check` exits 0 when a worker on this host reported healthy within the last
minute (the container's liveness check).
"""

from __future__ import annotations

import argparse
import asyncio

from lgsco_ingest.serve import check_worker, serve_worker
from lgsco_shared import runtime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lgsco-worker", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 0 if a worker is healthy")
    args = parser.parse_args(argv)
    settings = runtime.load()
    schema = runtime.Schema.NONE if args.check else runtime.Schema.AUTO
    with runtime.attached(settings, schema) as urls:
        if args.check:
            raise SystemExit(asyncio.run(check_worker(urls)))
        asyncio.run(serve_worker(settings, urls))


if __name__ == "__main__":
    main()
