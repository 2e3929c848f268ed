"""Parsing that cannot take the process down: cheap pre-checks, then a child process with limits.

A page from the site is hostile input to lexbor, whose work can grow much faster than the page
(thousands of unclosed formatting elements followed by thousands of blocks: 60 KB, 24 s, 2.5 GB).
So every page goes to a small pool of child processes (`lgsco_ingest.parseworker`), each with an
address-space limit and, per page, a CPU-time limit. There, before lexbor sees the page,
`precheck` counts what makes it expensive (`<`, formatting elements opened and left open, an
estimate of nesting depth) against configured ceilings, and a page over one is refused without
being parsed (the counting, ~1 ms a page, stays off the crawl's event loop too). A watchdog
kills a child that overruns its wall-clock allowance. A child that dies is replaced on the next
page, and the page that killed it is the one named: `ParseLimit`, a `ParseError` whose page the
pipeline quarantines (kind `limit`) and never parses again.

Parsing stays pure (html in, record out); the child returns the same records or `ParseError`.
The processes are started lazily, on the first page, and hold no connection or setting of the
parent. The API never waits on them either: `lgsco up` runs the worker in its event loop, and
the parse happens in a child, awaited from a thread.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import logging
import os
import pickle  # nosec B403 - frames exchanged with our own child process only
import re
import signal
import struct
import subprocess  # nosec B404 - the child is this interpreter running our own module
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, cast

from lgsco_ingest.site.records import ParsedListing, ParseError

if TYPE_CHECKING:
    from lgsco_ingest.extract.normalise import DecisionRecord

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!I")
MAX_FRAME = 64 * 1024 * 1024  # a parsed record is a fraction of its page, itself a few MB at most


class ParseLimit(ParseError):
    """The page tripped a limit (a pre-check ceiling, CPU time, memory, the watchdog)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Ceilings for one page (0: no ceiling for that count)."""

    max_tags: int = 15_000  # `<` characters
    max_formatting: int = 3_000  # formatting elements opened (a, b, i, em, strong, font, span...)
    max_unclosed_formatting: int = 200  # formatting elements opened and never closed
    max_depth: int = 400  # nesting estimate: the deepest run of opened, unclosed elements
    cpu_seconds: float = 5.0  # CPU time per page in the child
    memory_mb: int = 768  # address space of a child
    processes: int = 2  # children at most

    @property
    def wall_seconds(self) -> float:
        """The watchdog: wall-clock time a child may take on one page, on a busy machine."""
        return self.cpu_seconds * 4 + 5


# --- Pre-checks: a single pass of a regular expression over the tags ----------------------------

# A tag's start: whether it closes, its name, and a slash right after the name (`<br/>`).
# Attributes are not read: HTML ignores the slash of `<div .../>`, so such a tag opens an element.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,15})(/?)")
FORMATTING = frozenset(
    "a b big code em font i nobr s small strike strong tt u span".split()  # noqa: SIM905
)
VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr "  # noqa: SIM905
    "script style title textarea".split()  # raw text: their content is not markup
)
# Closed implicitly by the next sibling or the parent's end: not counted toward depth.
OPTIONAL_END = frozenset("p li dt dd tr td th option optgroup thead tbody tfoot colgroup".split())  # noqa: SIM905

_SKIP, _FORMATTING, _OPTIONAL, _NESTING = range(4)
_KINDS: dict[str, int] = {}  # tag name as written -> how it counts; bounded below


def _kind(name: str) -> int:
    kind = _KINDS.get(name)
    if kind is None:
        low = name.lower()
        if low in VOID:
            kind = _SKIP
        elif low in FORMATTING:
            kind = _FORMATTING
        elif low in OPTIONAL_END:
            kind = _OPTIONAL
        else:
            kind = _NESTING
        if len(_KINDS) < 4096:  # a hostile page's made-up names must not grow it for good
            _KINDS[name] = kind
    return kind


@dataclass(frozen=True, slots=True)
class Shape:
    tags: int
    formatting: int
    unclosed_formatting: int
    depth: int


def shape(html: str) -> Shape:
    """The counts `precheck` compares, in one pass (about 1 ms for a typical 50 KB page: it runs
    in the crawl's own process, on every page, so its loop is kept lean)."""
    formatting = closed_formatting = 0
    depth = deepest = 0
    open_counts: dict[str, int] = {}
    for closing, name, self_closing in _TAG.findall(html):
        kind = _kind(name)
        if kind == _SKIP or (self_closing and not closing):
            continue
        if kind == _FORMATTING:
            if closing:
                closed_formatting += 1
            else:
                formatting += 1
        elif kind == _OPTIONAL:
            continue
        name = name.lower()
        if closing:
            if open_counts.get(name):
                open_counts[name] -= 1
                depth -= 1
        else:
            open_counts[name] = open_counts.get(name, 0) + 1
            depth += 1
            if depth > deepest:
                deepest = depth
    return Shape(html.count("<"), formatting, max(0, formatting - closed_formatting), deepest)


def precheck(html: str, limits: Limits) -> str | None:
    """Why lexbor must not see this page, or None: the first ceiling it goes over."""
    if limits.max_tags and html.count("<") > limits.max_tags:
        return f"too many tags: {html.count('<'):,} '<' (ceiling {limits.max_tags:,})"
    seen = shape(html)
    checks = (
        (seen.formatting, limits.max_formatting, "formatting elements"),
        (seen.unclosed_formatting, limits.max_unclosed_formatting, "unclosed formatting elements"),
        (seen.depth, limits.max_depth, "levels of nesting"),
    )
    for value, ceiling, what in checks:
        if ceiling and value > ceiling:
            return f"too many {what}: {value:,} (ceiling {ceiling:,})"
    return None


# --- The children -------------------------------------------------------------------------------


def write_frame(stream: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """One frame, or EOFError when the other side has gone."""
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(head)
    if size > MAX_FRAME:
        raise EOFError
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301  # nosec B301 - written by our own child process


class _Child:
    """One child process, used by one thread at a time (the pool's thread that started it)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        env = dict(os.environ)
        self.proc = subprocess.Popen(  # nosec B603 - our interpreter, our module
            [sys.executable, "-m", "lgsco_ingest.parseworker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        write_frame(self.stdin, dataclasses.asdict(limits))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def call(self, task: str, args: tuple[Any, ...]) -> Any:
        """Run `task` in the child; ParseLimit if it dies or overruns the watchdog."""
        timer = threading.Timer(self.limits.wall_seconds, self._overran)
        timer.daemon = True
        timer.start()
        self.overran = False
        try:
            write_frame(self.stdin, (task, args))
            status, value = read_frame(self.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            self.kill()
            raise ParseLimit(self._death()) from None
        finally:
            timer.cancel()
        if status == "refused":  # the pre-check: lexbor never saw the page
            raise ParseLimit(str(value))
        if status == "limit":
            self.kill()  # a child that ran out of memory may be in any state: start afresh
            raise ParseLimit(str(value))
        if status == "error":
            reason, url = value
            raise ParseError(reason, url=url)
        return value

    def _overran(self) -> None:
        self.overran = True
        self.kill()

    def _death(self) -> str:
        code = self.proc.wait()
        if self.overran:
            return f"parse took longer than {self.limits.wall_seconds:g} s: parser stopped"
        if code == -signal.SIGXCPU:
            return f"parse used more than {self.limits.cpu_seconds:g} s of CPU: parser stopped"
        if code in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS, -signal.SIGKILL):
            return "parser process crashed or was killed on this page (out of memory?)"
        return f"parser process ended unexpectedly (exit {code})"

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()


class ParserPool:
    """At most `limits.processes` children, started on first use, one per pool thread."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, limits.processes), thread_name_prefix="lgsco-parse"
        )
        self._local = threading.local()
        self._children: list[_Child] = []
        self._lock = threading.Lock()
        self.replaced = 0  # children replaced after a page killed them (for tests and logs)

    def _child(self) -> _Child:
        child: _Child | None = getattr(self._local, "child", None)
        if child is None or not child.alive():
            if child is not None:
                self.replaced += 1
            child = _Child(self.limits)
            self._local.child = child
            with self._lock:
                self._children = [c for c in self._children if c.alive()] + [child]
        return child

    def _call(self, task: str, args: tuple[Any, ...]) -> Any:
        return self._child().call(task, args)

    async def run(self, task: str, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, task, args)

    def pids(self) -> list[int]:
        with self._lock:
            return [c.proc.pid for c in self._children if c.alive()]

    def close(self) -> None:
        with self._lock:
            children, self._children = self._children, []
        for child in children:
            child.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)


_pools: dict[Limits, ParserPool] = {}
_pools_lock = threading.Lock()


def pool(limits: Limits) -> ParserPool:
    """The process's pool for `limits` (one in practice; tests use others)."""
    with _pools_lock:
        found = _pools.get(limits)
        if found is None:
            found = _pools[limits] = ParserPool(limits)
        return found


@atexit.register
def close_all() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for p in pools:
        p.close()


_configured = Limits()


def configure(limits: Limits) -> None:
    """The limits every `Parser()` made without its own uses (the worker and commands set them
    from the settings at start-up)."""
    global _configured
    _configured = limits


class Parser:
    """What the pipeline, the crawl and reparse call: a child pre-checks, then parses."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or _configured

    def _checked(self, html: str, url: str) -> None:
        if not isinstance(html, str):
            raise ParseError(f"page is {type(html).__name__}, not text", url=url)

    async def decision(
        self, html: str, *, url: str, reference: str | None, permalink: str | None = None
    ) -> DecisionRecord:
        """A `DecisionRecord` (normalised; `permalink` defaults to `url`), or ParseError /
        ParseLimit; with `reference`, a page showing another reference is a ParseError."""
        self._checked(html, url)
        started = time.perf_counter()
        try:
            record = await pool(self.limits).run("decision", html, url, reference, permalink)
            return cast("DecisionRecord", record)
        except ParseLimit as exc:
            exc.url = exc.url or url
            log.warning("page %s quarantined: %s", url, exc.reason)
            raise
        finally:
            log.debug("parsed %s in %.1f ms", url, (time.perf_counter() - started) * 1000)

    async def listing(self, html: str, *, url: str) -> ParsedListing:
        """A `ParsedListing`, or ParseError / ParseLimit."""
        self._checked(html, url)
        return cast(ParsedListing, await pool(self.limits).run("listing", html, url))


def limits_from(settings: Any) -> Limits:
    return Limits(
        max_tags=settings.parse_max_tags,
        max_formatting=settings.parse_max_formatting,
        max_unclosed_formatting=settings.parse_max_unclosed_formatting,
        max_depth=settings.parse_max_depth,
        cpu_seconds=settings.parse_cpu_seconds,
        memory_mb=settings.parse_memory_mb,
        processes=settings.parse_processes,
    )
