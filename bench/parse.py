"""Benchmark 1: parse + normalise + remedy extraction per page, against BeautifulSoup and the floor.

Pages are the corpus rendered in the site's current template with its chrome (~50 KB each).
- project:  lgsco_ingest.site.parse.parse_decision, then lgsco_ingest.extract.normalise.decision
            (finding, remedies with deadlines, content hash): what the worker does per page;
- bs4:      BeautifulSoup(html, "html.parser") reading the same header fields, summary and body
            text from the template, as other public LGSCO scrapers do;
- floor:    selectolax (lexbor) parse and the body's text, nothing else.
Each round times every method over every page, in rotating order, as CPU time of this process
(other processes on a shared machine do not inflate it); ratios are taken within a round.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bs4 import BeautifulSoup
from selectolax.lexbor import LexborHTMLParser

from bench.common import Spread
from lgsco_ingest.extract import normalise
from lgsco_ingest.site.parse import parse_decision
from tests.fakesite.corpus import CorpusEntry, load_corpus
from tests.fakesite.render import render_decision

_TITLE = re.compile(r"^(?P<org>.+) \((?P<ref>\d{2} \d{3} \d{3})\)$")


@dataclass(frozen=True, slots=True)
class ParseResult:
    pages: int
    kilobytes: float  # mean page size
    project_ms: Spread
    bs4_ms: Spread
    floor_ms: Spread
    parse_only_ms: Spread  # parse_decision alone: the rest of project_ms is normalise
    speedup_vs_bs4: Spread  # bs4 time / project time, per round
    times_floor: Spread  # project time / floor time, per round
    fields_agree: int  # pages where bs4 and the project read the same header fields


def project(html: str, url: str) -> Any:
    return normalise.decision(parse_decision(html, url=url), permalink=url)


def parse_only(html: str, url: str) -> Any:
    return parse_decision(html, url=url)


def bs4_scraper(html: str, url: str) -> dict[str, Any]:
    """Header fields, summary and text of a decision page, the BeautifulSoup way."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article", id="article")
    title = _TITLE.match(article.find("h1").get_text(strip=True))
    fields = {
        item.find("span", class_="label").get_text(strip=True).lower(): item.find(
            "span", class_="value"
        ).get_text(strip=True)
        for item in article.find_all("p", class_="decision-meta__item")
    }
    category, _, subcategory = fields.get("category", "").partition(" > ")
    when = fields.get("decision date")
    body = article.find("div", class_="decision__body")
    # "<p><strong>Summary:</strong> We will not investigate ...</p>"
    summary = next((p.get_text() for p in body.find_all("p") if p.text.startswith("Summary:")), "")
    return {
        "reference": title["ref"] if title else None,
        "organisation": title["org"] if title else None,
        "category": category or None,
        "subcategory": subcategory or None,
        "outcome_label": fields.get("decision"),
        "decided_on": datetime.strptime(when, "%d %b %Y").date() if when else None,
        "summary": summary.removeprefix("Summary:").strip(),
        "body_text": body.get_text("\n", strip=True),
    }


def floor(html: str, url: str) -> str:
    tree = LexborHTMLParser(html)
    return tree.body.text(separator="\n", strip=True) if tree.body else ""


def _same_fields(entry: CorpusEntry, html: str) -> bool:
    ours = parse_decision(html, url=entry.path)
    theirs = bs4_scraper(html, entry.path)
    if not entry.truth.get("has_header"):  # no header: the project reads category from the URL
        theirs["category"] = ours.category
        theirs["subcategory"] = ours.subcategory
    mine: dict[str, object] = {
        "reference": ours.reference,
        "organisation": ours.organisations[0],
        "category": ours.category,
        "subcategory": ours.subcategory,
        "outcome_label": ours.outcome_label,
        "decided_on": ours.decided_on,
        "summary": ours.summary,
    }
    return all(theirs[k] == v for k, v in mine.items())


def _time(method: Callable[[str, str], object], pages: list[tuple[str, str]]) -> float:
    """Milliseconds of CPU per page."""
    began = time.process_time()
    for html, url in pages:
        method(html, url)
    return (time.process_time() - began) / len(pages) * 1000


def run(rounds: int, limit: int | None = None) -> ParseResult:
    entries = load_corpus()[:limit]
    pages = [(render_decision(e.text), e.path) for e in entries]
    methods: dict[str, Callable[[str, str], object]] = {
        "project": project,
        "bs4": bs4_scraper,
        "floor": floor,
        "parse_only": parse_only,
    }
    for method in methods.values():  # warm up: imports, regex compilation, caches
        _time(method, pages[:5])
    times: dict[str, list[float]] = {name: [] for name in methods}
    for r in range(rounds):
        names = list(methods)
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(_time(methods[name], pages))
    ratios = list(zip(times["project"], times["bs4"], times["floor"], strict=True))
    return ParseResult(
        pages=len(pages),
        kilobytes=sum(len(html.encode()) for html, _ in pages) / len(pages) / 1000,
        project_ms=Spread.of(times["project"]),
        bs4_ms=Spread.of(times["bs4"]),
        floor_ms=Spread.of(times["floor"]),
        parse_only_ms=Spread.of(times["parse_only"]),
        speedup_vs_bs4=Spread.of([b / p for p, b, _ in ratios]),
        times_floor=Spread.of([p / f for p, _, f in ratios]),
        fields_agree=sum(
            _same_fields(e, html) for e, (html, _) in zip(entries, pages, strict=True)
        ),
    )
