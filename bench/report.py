"""bench/results.md from the results of one run: a table per benchmark, figures with the baseline
measured in the same run, the ratio, the target, and whether it is met."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.api import CONCURRENCY, ApiResult
from bench.common import Spread
from bench.crawl import CrawlResult
from bench.curve import DEFAULT_TARGET, TARGET_RATIO, CurveResult
from bench.parse import ParseResult
from bench.startup import StartupResult
from bench.workload import ENDPOINTS

HEADER = "| Measure | Figure | Baseline (same run) | Ratio | Target | Met |"
RULE = "| --- | --- | --- | --- | --- | --- |"


@dataclass
class RunInfo:
    when: str
    wall_minutes: float
    machine: str
    command: str
    services: str


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _ms(s: Spread) -> str:
    return s.show("{:.1f}") + " ms"


def parsing(r: ParseResult) -> list[str]:
    return [
        "## 1. Parsing",
        "",
        f"{r.pages} corpus decisions rendered in the site's template with its chrome "
        f"({r.kilobytes:.0f} KB a page on average). CPU time per page; median (min–max) of the "
        "rounds; ratios are taken within each round.",
        "",
        HEADER,
        RULE,
        _row(
            "parse + normalise + remedies, per page",
            _ms(r.project_ms),
            f"BeautifulSoup (html.parser): {_ms(r.bs4_ms)}",
            r.speedup_vs_bs4.show("{:.1f}×") + " faster",
            "≥ 20× faster",
            _met(r.speedup_vs_bs4.median >= 20),
        ),
        _row(
            "parse + normalise + remedies, per page",
            _ms(r.project_ms),
            f"selectolax parse + text (floor): {_ms(r.floor_ms)}",
            r.times_floor.show("{:.1f}×") + " the floor",
            "≤ 2.5×",
            _met(r.times_floor.median <= 2.5),
        ),
        _row(
            "of which parse_decision alone",
            _ms(r.parse_only_ms),
            f"floor: {_ms(r.floor_ms)}",
            f"{r.parse_only_ms.median / r.floor_ms.median:.1f}× the floor",
            "—",
            "—",
        ),
        "",
        f"The BeautifulSoup baseline read the same reference, organisation, category, "
        f"subcategory, outcome, date and summary as the project on {r.fields_agree} of "
        f"{r.pages} pages.",
        "",
    ]


def crawling(r: CrawlResult) -> list[str]:
    per_decision_cpu = float(r.first["cpu_seconds"]) / r.scale * 1000
    fetch_cpu = Spread.of([float(b["cpu_seconds"]) / r.scale * 1000 for b in r.baselines])
    extrapolated = r.scale < r.total
    lines = [
        "## 2. Crawling",
        "",
        f"The fake site (its own process, 127.0.0.1, rate limit off) serves {r.total:,} "
        f"decisions; the crawl read the oldest {r.scale:,} of them "
        f"({len(r.first['segment_rates']) or 1} segments timed), month window by month window "
        f"at the site's full density, into an empty database, at concurrency {r.concurrency}. "
        "The fetch-only baseline (httpx, same pages, same concurrency, no parse or store) ran "
        "before, between and after the two crawls.",
        "",
        HEADER,
        RULE,
        _row(
            "full crawl from empty, decisions/s",
            r.crawl_rate.show("{:.0f}") + " (range over segments)",
            f"fetch-only: {r.baseline_rate.show('{:.0f}')} /s",
            f"{r.rate(r.first) / r.baseline_rate.median:.0%} of fetch-only",
            "≥ 50%",
            _met(r.rate(r.first) >= 0.5 * r.baseline_rate.median),
        ),
        _row(
            f"full crawl of {r.total:,} decisions"
            + (f" (extrapolated from {r.scale:,})" if extrapolated else ""),
            f"{r.minutes_at_total:.1f} min",
            f"fetch-only: {r.total / r.baseline_rate.median / 60:.1f} min",
            "—",
            "≤ 10 min",
            _met(r.minutes_at_total <= 10),
        ),
        _row(
            "unchanged re-crawl",
            f"{float(r.second['seconds']):.0f} s ({r.rate(r.second):.0f} decisions/s)",
            f"first crawl: {float(r.first['seconds']):.0f} s",
            f"{r.recrawl_speedup:.1f}× faster",
            "≥ 3× faster",
            _met(r.recrawl_speedup >= 3),
        ),
        _row(
            "worker peak RSS (crawl process)",
            f"{r.peak_rss_mb:.0f} MB",
            "—",
            "—",
            "≤ 300 MB",
            _met(r.peak_rss_mb <= 300),
        ),
        _row(
            "worker CPU per decision (full crawl)",
            f"{per_decision_cpu:.1f} ms",
            f"fetch-only client: {fetch_cpu.show('{:.1f}')} ms",
            f"{per_decision_cpu / fetch_cpu.median:.1f}×",
            "—",
            "—",
        ),
        _row(
            "database per 1,000 decisions (raw pages included)",
            f"{r.megabytes_per_thousand('(database)'):.1f} MB",
            "—",
            "—",
            "reported",
            "—",
        ),
        "",
        "Database growth per 1,000 decisions by table (with indexes and TOAST), after the full "
        "crawl: "
        + ", ".join(
            f"{table} {r.megabytes_per_thousand(table):.2f} MB"
            for table in sorted(r.sizes, key=lambda t: -r.megabytes_per_thousand(t))
            if table != "(database)" and r.megabytes_per_thousand(table) >= 0.01
        )
        + ".",
        "",
    ]
    return lines


def api(r: ApiResult) -> list[str]:
    lines = [
        "## 3. API",
        "",
        f"{r.decisions:,} decisions and {r.remedies:,} remedies"
        + (
            f" ({r.copied:,} of the decisions copied in SQL from crawled ones under the fake "
            "site's references, dates and organisations, without raw pages; bench/topup.py)"
            if r.copied
            else ""
        )
        + f". `lgsco api` (one process, rate limit, metrics and logging on) on 127.0.0.1; load "
        f"from another process (async httpx), {r.seconds:g} s per measurement after a warm-up, "
        f"{r.rounds} round(s), each mode going first in turn. Two floors, for the same URLs: "
        "*bare*, a FastAPI + asyncpg app with no middleware that runs the SQL the API ran "
        "(captured) and returns its rows as JSON (bench/bare.py, same server and pool size); "
        "*asyncpg*, that SQL run straight from the load process. Median (min–max) over rounds.",
        "",
        "Concurrency 1:",
        "",
        "| Endpoint | API p50 | API p99 | API req/s | bare p50 | asyncpg p50 | API ÷ bare (p50) "
        "| Target ≤ 1.3× | API ÷ SQL (p50) | Target p99 | Met p99 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for e in ENDPOINTS:
        h, b, s = r.http[(e.name, 1)], r.bare[(e.name, 1)], r.sql[(e.name, 1)]
        bare_ratio = r.bare_ratio[e.name]
        lines.append(
            _row(
                e.label,
                _ms(h.p50_ms),
                _ms(h.p99_ms),
                h.per_second.show("{:.0f}"),
                _ms(b.p50_ms),
                _ms(s.p50_ms),
                bare_ratio.show("{:.2f}×"),
                _met(bare_ratio.median <= 1.3),
                r.ratio[e.name].show("{:.1f}×"),
                f"{e.target_p99_ms:g} ms",
                _met(h.p99_ms.median <= e.target_p99_ms),
            )
        )
    high = CONCURRENCY[-1]
    lines += [
        "",
        f"Concurrency {high}:",
        "",
        "| Endpoint | API p50 | API p99 | API req/s | bare req/s | API ÷ bare (req/s) "
        "| Target ≥ 0.8 | asyncpg req/s | Errors | No errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for e in ENDPOINTS:
        h, b, s = r.http[(e.name, high)], r.bare[(e.name, high)], r.sql[(e.name, high)]
        throughput = r.bare_throughput[e.name]
        lines.append(
            _row(
                e.label,
                _ms(h.p50_ms),
                _ms(h.p99_ms),
                h.per_second.show("{:.0f}"),
                b.per_second.show("{:.0f}"),
                throughput.show("{:.2f}"),
                _met(throughput.median >= 0.8),
                s.per_second.show("{:.0f}"),
                f"{h.errors} of {h.requests:,}",
                _met(h.errors == 0),
            )
        )
    lines += [
        "",
        "EXPLAIN ANALYZE of each statement the API runs per request (worst plan over the first "
        "URLs of each endpoint). Tables of more than 1,000 rows only; *index*: every such table "
        "read through an index; *bounded*: a sequential scan a LIMIT stopped early; *full scan*: "
        "a whole table read.",
        "",
        "| Endpoint | # | Reads | Time | Verdict |",
        "| --- | --- | --- | --- | --- |",
    ]
    labels = {e.name: e.label for e in ENDPOINTS}
    for x in r.explained:
        lines.append(
            _row(
                labels[x.endpoint],
                str(x.statement),
                x.scans or "(small tables only)",
                f"{x.milliseconds:.1f} ms",
                x.verdict if x.verdict != "full scan" else "**full scan**",
            )
        )
    return [*lines, ""]


def startup(r: StartupResult) -> list[str]:
    return [
        "## 4. Start-up",
        "",
        "`lgsco up` with no database or Redis configured, on a fresh `LGSCO_HOME`, until "
        "`GET /readyz` answers 200 (embedded PostgreSQL and Redis created, migrations run); "
        "then stopped with Ctrl-C and started again on the same home.",
        "",
        HEADER,
        RULE,
        _start_row("first start", r.first_s, 20),
        _start_row("second start", r.second_s, 5),
        "",
    ]


def _start_row(name: str, seconds: Spread, target: float) -> str:
    met = _met(seconds.median <= target)
    return _row(name, seconds.show("{:.1f}") + " s", "—", "—", f"≤ {target:g} s", met)


# Why a target is missed, from profiling this code on this machine (see the closing rows of
# each table for the figures). Printed only for the rows this run marks "no"; a row with no
# entry here is listed as unexplained, so a new miss is never passed over in silence.
CAUSES = {
    "parse + normalise + remedies, per page": (
        "The floor only parses and extracts text. Normalising adds the finding and remedy "
        "extraction (regular expressions for each remedy type over every clause of the summary "
        "and the remedy sections), about 1 ms a page; `parse_decision` alone is within 2× of "
        "the floor (the table's last row)."
    ),
    "full crawl from empty, decisions/s": (
        "The crawl process spends about 16 ms of CPU a decision: the HTTP client, about ten SQL "
        "statements in one transaction through SQLAlchemy Core (each a loopback round trip, "
        "whose kernel cost falls on the sender) and the pipeline around them. Parsing, "
        "normalising and the hostile-page pre-check run in the parse children and zlib in a "
        "thread, but on two cores those, the fake site and PostgreSQL all share the second "
        "core. More worker processes (the deployment's scale-out) add throughput on a machine "
        "with cores to spare; this one has none."
    ),
    "full crawl of 60,000 decisions": ("The same cause as the crawl rate above."),
    "unchanged re-crawl": (
        "Every page is still fetched (conditionally, 304) because the daily refresh must notice "
        "changed and withdrawn decisions; what is saved is the parse and the per-decision "
        "transaction. The cheaper the first crawl became, the lower this ratio."
    ),
    "decision by reference": (
        "The SQL takes about a millisecond and the bare FastAPI app answers in about five; the "
        "API adds its middleware (request id, access log, metrics, security headers, the "
        "rate-limit count: a Redis round trip), its dependencies and its response model. "
        "The p99 target is met."
    ),
    "filtered list": (
        "The SQL reads each page in list order through an index (1–3 ms; migration 0011, "
        "organisations as resolved ids). What remains is the API's own work per item: the "
        "response model validates and serialises 50 items (organisations, financial year, "
        "source URL, attribution) where the bare app dumps plain rows; at concurrency 32 that "
        "Python work is what limits one process."
    ),
    "full-text query": (
        "The workload's terms match up to a third of the 60,000 decisions (the corpus texts "
        "are cycled): 'apologise' matches about 20,000. The GIN index finds them; relevance "
        "ranks the newest LGSCO_SEARCH_RANKED (1,000) of them, and the answer says how many "
        "matched. What remains is finding and date-ordering every match (a bitmap heap scan "
        "of up to 20,000 rows), counting them, ranking 1,000 vectors and the snippets of one "
        "page. At concurrency 32 a request that waits more than 2 s for one of the pool's 20 "
        "connections is refused with 503 (busy, Retry-After), by design: those are the errors."
    ),
    "stats/outcomes by organisation, all years": (
        "The outcome summary has one row per organisation × category × subcategory × month × "
        "status × outcome that occurs: at 60,000 decisions about as many rows as decisions, so "
        "grouping it by organisation reads ~58,000 rows (~50 ms of SQL). It grows with the "
        "combinations that occur, not with the decisions (the growth table)."
    ),
    "stats/outcomes by organisation, one year": (
        "A year's summary rows (~12,000) grouped by organisation take under 20 ms of SQL; the "
        "p99 moves from round to round with the machine's load."
    ),
    "reports/annual": (
        "Six statements a report, each 2–6 ms, and the report's tables (percentages, remedy "
        "families, the appendix) built from their rows in Python, where the bare app returns "
        "the rows."
    ),
    "remedies list": (
        "A financial year's remedies are found through that year's ~5,000 decision ids and "
        "sorted by id (~25 ms of SQL): remedy ids follow crawl order, not decision dates, so "
        "no index gives a year's remedies in id order. The other remedy lists read a page in "
        "under 5 ms of SQL."
    ),
    "growth, full-text query": (
        "A common word's matches grow with the corpus; finding and date-ordering them is a "
        "bitmap scan of every match, before the newest 1,000 are ranked."
    ),
}


def growth(r: CurveResult) -> list[str]:
    first, last = r.sizes[0], r.sizes[-1]
    head = " | ".join(f"{s.decisions:,}: p50 (p99)" for s in r.sizes)
    lines = [
        "## Growth",
        "",
        "The same database grown by copies of its decisions (bench/curve.py: same councils, "
        "same years, more decisions each; no raw pages), `lgsco api` restarted at each size, "
        f"each endpoint loaded at concurrency 1 for {r.seconds:g} s after a warm-up. One round "
        "per size.",
        "",
        f"| Endpoint | {head} | {last.decisions // 1000}k ÷ {first.decisions // 1000}k (p99) "
        "| Target | Met | Errors |",
        "| --- | " + "--- | " * len(r.sizes) + "--- | --- | --- | --- |",
    ]
    for e in ENDPOINTS:
        target = TARGET_RATIO.get(e.name, DEFAULT_TARGET)
        ratio = r.ratio(e.name)
        cells = [f"{s.p50_ms[e.name]:.1f} ({s.p99_ms[e.name]:.1f}) ms" for s in r.sizes]
        lines.append(
            _row(
                f"growth, {e.label}",
                *cells,
                f"{ratio:.2f}×",
                f"≤ {target:g}×",
                _met(ratio <= target),
                str(sum(s.errors[e.name] for s in r.sizes)),
            )
        )
    lines += [
        "",
        "| At each size | " + " | ".join(f"{s.decisions:,}" for s in r.sizes) + " |",
        "| --- |" + " --- |" * len(r.sizes),
        "| database on disk | " + " | ".join(f"{s.database_mb:,.0f} MB" for s in r.sizes) + " |",
        "| API process memory (RSS, after its load) | "
        + " | ".join(f"{s.api_rss_mb:.0f} MB" for s in r.sizes)
        + " |",
        "| time to grow to this size (copies through the triggers, then VACUUM ANALYZE) | "
        + " | ".join(f"{s.grow_seconds:.0f} s" for s in r.sizes)
        + " |",
        "",
    ]
    return lines


def gaps(text: str) -> list[str]:
    """A section naming each target this run missed (and each full scan) and its cause."""
    missed = []
    for line in text.splitlines():
        if line.startswith("| ") and ("**no**" in line or "**full scan**" in line):
            label = line.split(" | ")[0].removeprefix("| ").strip()
            if label not in missed:
                missed.append(label)
    if not missed:
        return ["## Targets", "", "Every target above is met.", ""]
    lines = ["## Targets missed and full scans, and why", ""]
    for label in missed:
        cause = next((c for key, c in CAUSES.items() if label.startswith(key)), None)
        lines.append(f"- **{label}**: {cause or 'not yet explained.'}")
    return [*lines, ""]


def render(info: RunInfo, results: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `{info.command}` on {info.when}: {info.machine}; {info.services}. "
        f"The run took {info.wall_minutes:.1f} minutes.",
        "",
        "Figures are medians with (min–max) over repeated rounds; every baseline ran in the same "
        "run, side by side with what it is compared with, and ratios are taken within a round. "
        "The machine is shared and noisy: compare ratios rather than absolute times.",
        "",
    ]
    sections = {
        "parse": parsing,
        "crawl": crawling,
        "api": api,
        "curve": growth,
        "startup": startup,
    }
    for name, render_section in sections.items():
        if name in results:
            lines += render_section(results[name])
    lines += gaps("\n".join(lines))
    return "\n".join(lines)
