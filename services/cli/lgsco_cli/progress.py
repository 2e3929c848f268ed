"""A crawl's progress as bars in a terminal: months done of the range, decisions read."""

from __future__ import annotations

from datetime import date
from types import TracebackType

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lgsco_ingest.pipeline import IngestOutcome
from lgsco_shared.domain import FetchResult


class Bars:
    """lgsco_ingest.commands.CrawlProgress drawn with rich; use it as a context manager."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
        )
        self._months = self._bar.add_task("windows", total=None)
        self._decisions = self._bar.add_task("decisions", total=None)
        self._stopped = False

    def __enter__(self) -> Bars:
        self._bar.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if not self._stopped:
            self._bar.__exit__(kind, error, trace)

    def month(self, first: date, n: int, total: int) -> None:
        if n > 1:
            self._bar.advance(self._months)
        self._bar.update(
            self._months, total=total, description=f"month {first:%Y-%m} ({n}/{total})"
        )

    def decision(self, outcome: IngestOutcome) -> None:
        self._bar.advance(self._decisions)
        if outcome.result == FetchResult.FAILED:
            self._bar.console.print(outcome.line())

    def done(self) -> None:
        """The last month is done: draw the bars a last time, so the summary prints below them."""
        self._bar.advance(self._months)
        self._bar.update(self._months, description="windows")
        self._bar.stop()
        self._stopped = True
