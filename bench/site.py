"""The fake LGSCO site at benchmark scale, in a process of its own.

tests.fakesite.server.FakeSite serves the pages (ETag/304, 410, the site's URL shapes); two things
change for 60,000 decisions: pages are rendered when requested rather than held (3 GB otherwise),
and a date-window search finds its rows by bisection instead of sorting every decision per request.
It runs in its own process so that serving pages never takes CPU time (or the GIL) from the
process being measured.

Run: python -m bench.site --total N [--seed S]   prints its URL, serves until stdin closes.
"""

from __future__ import annotations

import argparse
import bisect
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import IO, Any, cast

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bench.common import PYTHON, REPO, child_env
from bench.synth import Spec, page, specs
from tests.fakesite.corpus import load_corpus
from tests.fakesite.render import ListingRow, render_listing
from tests.fakesite.server import PAGE_SIZE, FakeDecision, FakeSite, _date

_WINDOW_PARAMS = {"fd", "td", "dc", "sortOrder", "page"}


class LazyPages(Mapping[str, FakeDecision]):
    """Path -> FakeDecision, rendering the page on each lookup."""

    def __init__(self, all_specs: tuple[Spec, ...]) -> None:
        self._by_path = {s.path: s for s in all_specs}
        self._corpus = load_corpus()

    def __getitem__(self, path: str) -> FakeDecision:
        return page(self._by_path[path], self._corpus)

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_path)

    def __len__(self) -> int:
        return len(self._by_path)


class BenchSite(FakeSite):
    def __init__(self, all_specs: tuple[Spec, ...]) -> None:
        super().__init__()
        self.decisions = cast(dict[str, FakeDecision], LazyPages(all_specs))
        self._specs = all_specs  # oldest first, as the search lists them
        self._dates = [s.decided_on for s in all_specs]
        self._truth = [e.truth for e in load_corpus()]

    async def search(self, request: Request) -> Response:
        q = request.query_params
        if self.search_shell or not {"fd", "td"} <= set(q) or set(q) - _WINDOW_PARAMS:
            return await super().search(request)
        if (fault := await self._fault(request)) is not None:
            return self._count(fault)
        lo = bisect.bisect_left(self._dates, _date(q["fd"]))
        hi = bisect.bisect_right(self._dates, _date(q["td"]))
        first = lo + (max(1, int(q.get("page", "1") or 1)) - 1) * PAGE_SIZE
        rows = [self._row(s) for s in self._specs[first : min(hi, first + PAGE_SIZE)]]
        return self._count(HTMLResponse(render_listing(rows, total=hi - lo)))

    def _row(self, spec: Spec) -> ListingRow:
        truth = self._truth[spec.entry]
        return ListingRow(
            reference=spec.reference,
            path=spec.path,
            organisation=spec.organisation,
            outcome_label=truth.get("decision"),
            subcategory=truth.get("subcategory"),
            decided_on=spec.decided_on,
            summary=truth.get("summary") or "",
        )


class SiteProcess:
    """`python -m bench.site` as a child process; `url` once it listens."""

    def __init__(self, total: int, seed: int = 1) -> None:
        cmd = [PYTHON, "-m", "bench.site", "--total", str(total), "--seed", str(seed)]
        self._proc = subprocess.Popen(
            cmd, cwd=REPO, env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        line = cast(IO[str], self._proc.stdout).readline().strip()
        if not line.startswith("http://"):
            self._proc.kill()
            raise RuntimeError(f"the fake site did not start (said {line!r})")
        self.url = line

    def stop(self) -> None:
        cast(IO[str], self._proc.stdin).close()
        self._proc.wait(timeout=30)

    def __enter__(self) -> SiteProcess:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, required=True, help="decisions on the site")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    site = BenchSite(specs(args.total, args.seed))
    print(site.start(), flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or exits)
    site.stop()


if __name__ == "__main__":
    main()
