"""N synthetic decisions: the corpus texts cycled under new references, dates and organisations.

Deterministic for a given (n, seed), so the fake site, the fetch-only baseline and the API
workload all derive the same set without passing it around. Only the specs are kept in memory;
pages are rendered when asked for (`page`), with tests.fakesite.render.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from lgsco_ingest import site
from tests.fakesite.corpus import CorpusEntry, load_corpus
from tests.fakesite.render import render_decision
from tests.fakesite.server import FakeDecision

# About 57,500 decisions published over ten years and a half: ~450 a month, 46 listing pages.
FIRST_DAY = date(2015, 4, 1)
LAST_DAY = date(2025, 9, 30)
_KINDS = ("County Council", "Borough Council", "District Council", "City Council", "Council")
_PLACES = (
    "Ashford Barnet Barnsley Bedford Blackburn Bolton Bradford Brent Brighton Bristol Bromley "
    "Bury Calderdale Camden Cheshire Cornwall Coventry Croydon Cumbria Derby Devon Doncaster "
    "Dorset Dudley Durham Ealing Enfield Essex Exeter Gateshead Gloucester Hackney Halton "
    "Hampshire Harrow Havering Hertford Hull Ipswich Kent Kirklees Knowsley Lambeth Lancashire "
    "Leeds Leicester Lewisham Lincoln Luton Medway Merton Newham Norfolk Norwich Nottingham "
    "Oldham Oxford Peterborough Plymouth Poole Portsmouth Reading Rochdale Rotherham Salford "
    "Sandwell Sefton Sheffield Slough Solihull Somerset Southwark Stockport Suffolk Sunderland "
    "Surrey Swindon Tameside Telford Thurrock Torbay Trafford Wakefield Walsall Warrington "
    "Wigan Wiltshire Wirral Worcester York"
)
_PROVIDERS = ("Care Ltd", "Care Homes Ltd", "Healthcare Limited", "Nursing Home")


@dataclass(frozen=True, slots=True)
class Spec:
    """One synthetic decision: which corpus text, under which reference, date and organisation."""

    entry: int  # index into the corpus
    reference: str  # "19 012 345"
    path: str  # /decisions/{cat}/{sub}/19-012-345
    organisation: str
    decided_on: date


def organisations(count: int = 450) -> list[str]:
    """Councils of every kind and some care providers; the corpus's own names come first."""
    names = dict.fromkeys(e.truth["organisation"] for e in load_corpus())
    for i, place in enumerate(_PLACES.split()):
        names[f"{place} {_KINDS[i % len(_KINDS)]}"] = None
        names[f"{place} {_KINDS[(i + 2) % len(_KINDS)]}"] = None
        names[f"{place} {_PROVIDERS[i % len(_PROVIDERS)]}"] = None
    return list(names)[:count]


@cache
def specs(n: int, seed: int = 1) -> tuple[Spec, ...]:
    """`n` decisions, oldest first, spread evenly over FIRST_DAY..LAST_DAY."""
    corpus = load_corpus()
    rng = random.Random(seed)
    names = organisations()
    # Zipf-like: a few bodies (large counties) have many decisions, most have a few dozen.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(names))]
    picked = rng.choices(names, weights=weights, k=n)
    span = (LAST_DAY - FIRST_DAY).days
    out = []
    for i in range(n):
        entry = corpus[i % len(corpus)]
        decided_on = FIRST_DAY + timedelta(days=i * span // max(1, n - 1))
        # The reference's year is the year received, a year or so before the decision.
        reference = f"{(decided_on.year - 2001) % 100:02} {i // 1000:03} {i % 1000:03}"
        out.append(
            Spec(
                entry=i % len(corpus),
                reference=reference,
                path=entry.path.rsplit("/", 1)[0] + "/" + reference.replace(" ", "-"),
                organisation=picked[i],
                decided_on=decided_on,
            )
        )
    return tuple(out)


def page(spec: Spec, corpus: list[CorpusEntry]) -> FakeDecision:
    """The FakeDecision the fake site serves for `spec` (rendered now, ~50 KB)."""
    entry = corpus[spec.entry]
    truth = entry.truth
    return FakeDecision(
        reference=spec.reference,
        path=spec.path,
        html=render_decision(
            entry.text,
            reference=spec.reference,
            organisation=spec.organisation,
            decided_on=spec.decided_on,
        ),
        decided_on=spec.decided_on,
        organisation=spec.organisation,
        outcome_label=truth.get("decision"),
        subcategory=truth.get("subcategory"),
        summary=truth.get("summary") or "",
    )


def decisions(scale: int, total: int, seed: int = 1) -> tuple[Spec, ...]:
    """The oldest `scale` of `total` decisions (and any more decided the same day): a crawl of
    fewer months at the whole site's density, so its time per decision is that of a full crawl."""
    every = specs(total, seed)
    last_day = every[min(scale, total) - 1].decided_on
    return every[: bisect.bisect_right([s.decided_on for s in every], last_day)]


def listing_paths(all_specs: tuple[Spec, ...]) -> list[str]:
    """Every search page a crawl of the whole range reads (calendar months, 10 results a page)."""
    from lgsco_ingest.crawl import month_windows

    per_month = Counter((s.decided_on.year, s.decided_on.month) for s in all_specs)
    paths = []
    for start, end in month_windows(*crawl_range(all_specs)):
        pages = max(1, -(-per_month[(start.year, start.month)] // site.RESULTS_PER_PAGE))
        paths += [
            site.search_path(decided_from=start, decided_to=end, page=p)
            for p in range(1, pages + 1)
        ]
    return paths


def crawl_range(all_specs: tuple[Spec, ...]) -> tuple[date, date]:
    return all_specs[0].decided_on, all_specs[-1].decided_on
