"""The child process of `lgsco_ingest.parsebox`: reads pages on stdin, writes records on stdout.

It limits itself first (address space for good; CPU time per page, by moving the soft limit to
the CPU already used plus the allowance, so SIGXCPU ends it mid-parse), then serves frames until
its parent closes the pipe. It imports the parser and nothing that touches the network, the
database or the settings.
"""

from __future__ import annotations

import math
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lgsco_ingest.parsebox import Limits, precheck, read_frame, write_frame


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _peak_mb() -> float:
    """This process image's own peak RSS (VmHWM). Not ru_maxrss: Linux carries that across
    exec from the forked parent, so a large parent would make every child look over its limit."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _allow_cpu(seconds: float) -> None:
    if seconds > 0:
        soft = math.ceil(_cpu_used() + seconds)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def decision(html: str, url: str, reference: str | None, permalink: str | None = None) -> Any:
    from lgsco_ingest.extract import normalise
    from lgsco_ingest.site.parse import parse_decision
    from lgsco_ingest.site.records import ParseError

    parsed = parse_decision(html, url=url)
    if reference is not None and parsed.reference != reference:
        raise ParseError(f"page shows reference {parsed.reference}, expected {reference}", url=url)
    return normalise.decision(parsed, permalink=permalink or url)


def listing(html: str, url: str) -> Any:
    from lgsco_ingest.site.parse import parse_listing

    return parse_listing(html, url=url)


TASKS: dict[str, Callable[..., Any]] = {"decision": decision, "listing": listing}


def serve() -> None:
    from lgsco_ingest.site.records import ParseError

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed may corrupt the frames
    try:
        config = read_frame(stdin)
    except EOFError:
        return
    # Import the parser before the limit, so that the allowance is all for pages.
    import lgsco_ingest.extract.normalise
    import lgsco_ingest.site.parse  # noqa: F401

    limits = Limits(**config)
    memory_mb = limits.memory_mb
    _limit_memory(memory_mb)
    cpu_seconds = limits.cpu_seconds
    over_memory = f"parse needed more than the parser's memory limit ({memory_mb} MB)"
    while True:
        try:
            task, args = read_frame(stdin)
        except EOFError:
            return
        _allow_cpu(cpu_seconds)
        # The pre-check runs here, off the crawl's event loop, and before lexbor sees the page.
        reason = precheck(args[0], limits)
        if reason is not None:
            write_frame(stdout, ("refused", reason))
            continue
        try:
            reply: tuple[str, Any] = ("ok", TASKS[task](*args))
        except ParseError as exc:
            reply = ("error", (exc.reason, exc.url))
            if memory_mb > 0 and _peak_mb() > memory_mb / 2:
                # lexbor reports an allocation refused under the limit as a failed parse
                reply = ("limit", over_memory)
        except MemoryError:
            reply = ("limit", over_memory)
        except RecursionError:
            reply = ("limit", "page nested too deeply to parse")
        except Exception as exc:  # a parser bug: this page is quarantined, the rest go on
            reply = ("error", (f"parser failed: {type(exc).__name__}: {exc}"[:500], args[1]))
        try:
            write_frame(stdout, reply)
        except MemoryError:
            write_frame(stdout, ("limit", over_memory))


if __name__ == "__main__":
    serve()
