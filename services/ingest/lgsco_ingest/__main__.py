"""`lgsco-worker` (`python -m lgsco_ingest`): the ingest worker, as its image runs it, and the
one-off ingest commands an operator runs in the same image.

    lgsco-worker                       run the worker and the schedules until SIGTERM
    lgsco-worker --check               exit 0 if a worker on this host reported healthy lately
    lgsco-worker ingest REF [REF ...]  fetch, parse and store decisions now
    lgsco-worker crawl --from D --to D [--organisation NAME] [--refresh]
    lgsco-worker reparse [--include-quarantined]
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from lgsco_ingest import commands, parsebox
from lgsco_ingest.serve import check_worker, serve_worker
from lgsco_shared import runtime


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lgsco-worker",
        description="The ingest worker (settings: LGSCO_*), or one ingest command.",
    )
    parser.add_argument("--check", action="store_true", help="exit 0 if a worker is healthy")
    sub = parser.add_subparsers(dest="command")
    ingest = sub.add_parser("ingest", help="fetch, parse and store decisions now")
    ingest.add_argument("references", nargs="+", help="e.g. '22 003 374' 22-003-374")
    crawl = sub.add_parser("crawl", help="crawl month windows of decision dates (resumable)")
    crawl.add_argument("--from", dest="from_", required=True, help="first date, YYYY-MM-DD")
    crawl.add_argument("--to", required=True, help="last date, YYYY-MM-DD")
    crawl.add_argument("--organisation", help="only this organisation")
    crawl.add_argument("--refresh", action="store_true", help="re-read months already crawled")
    reparse = sub.add_parser("reparse", help="re-parse stored raw pages (no network)")
    reparse.add_argument(
        "--include-quarantined", action="store_true", help="also pages over a parser limit"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        references = commands.references_from(args.references) if args.command == "ingest" else []
        window = commands.window_from(args.from_, args.to) if args.command == "crawl" else None
    except commands.BadArguments as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    settings = runtime.load()
    # The worker sets them when it starts (worker.py); a one-off command must too.
    parsebox.configure(parsebox.limits_from(settings))
    schema = runtime.Schema.NONE if args.check else runtime.Schema.AUTO
    with runtime.attached(settings, schema) as urls:
        if args.check:
            raise SystemExit(asyncio.run(check_worker(urls)))
        if args.command == "ingest":
            ok = asyncio.run(commands.ingest_references(settings, urls, references, echo=print))
            raise SystemExit(0 if ok else 1)
        if window is not None:
            start, end = window
            ok = asyncio.run(
                commands.crawl_window(
                    settings,
                    urls,
                    start,
                    end,
                    args.organisation,
                    refresh=args.refresh,
                    echo=print,
                    progress=commands.PlainProgress(print),
                )
            )
            raise SystemExit(0 if ok else 1)
        if args.command == "reparse":
            asyncio.run(
                commands.reparse_stored(
                    urls, echo=print, include_quarantined=args.include_quarantined
                )
            )
            return
        asyncio.run(serve_worker(settings, urls))


if __name__ == "__main__":
    main()
