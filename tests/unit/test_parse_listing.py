"""parse_listing: saved pages, rendered pages, the search shell, and fuzzing.

Saved pages are tests/pages/lgsco/listing-*.html beside <name>.expected.json, which holds the
ParsedListing as JSON (or `parse_error` for a page that must be refused) and the `url` it was
fetched from. LGSCO_UPDATE_EXPECTED=1 rewrites them, as for decisions.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from lgsco_ingest.site.parse import parse_listing
from lgsco_ingest.site.records import ListingItem, ParsedListing, ParseError
from tests.fakesite.render import ListingRow, render_listing, render_search_shell

PAGES = Path(__file__).resolve().parents[1] / "pages" / "lgsco"
URL = "https://www.lgo.org.uk/Decisions/SearchResults?fd=2026-04-01&td=2026-04-30&page=1"
ROWS = [
    ListingRow(
        "25 016 248", "/decisions/housing/homelessness/25-016-248", "Eastmere County Council",
        "Upheld", "Homelessness", date(2026, 4, 27), "The Council made an unsuitable offer.",
    ),
    ListingRow(
        "25 017 001", "/decisions/adult-care-services/residential-care/25-017-001",
        "Willow Lodge Care (Eastmere) Limited", "Not upheld", "Residential care",
        date(2026, 4, 28), "We found no fault.", kind="Report",
    ),
    ListingRow(
        "21 003 906", "/decisions/children-s-care-services/disabled-children/21-003-906",
        "Tarnby, Elsworth and Fenwick Council", None, None, date(2021, 9, 1), "An older page.",
    ),
]  # fmt: skip


def as_item(row: ListingRow) -> ListingItem:
    return ListingItem(
        reference=row.reference,
        url=row.path,
        organisation=row.organisation,
        outcome_label=row.outcome_label,
        subcategory=row.subcategory,
        decided_on=row.decided_on,
    )


def parse_or_error(html: str, url: str) -> dict[str, object]:
    try:
        listing = parse_listing(html, url=url)
    except ParseError as exc:
        return {"url": url, "parse_error": exc.reason}
    return {"url": url, **json.loads(json.dumps(dataclasses.asdict(listing), default=str))}


class TestSavedPages:
    @pytest.mark.parametrize("path", sorted(PAGES.glob("listing-*.html")), ids=lambda p: p.stem)
    def test_parses_as_expected(self, path: Path, request: pytest.FixtureRequest) -> None:
        html = path.read_text(encoding="utf-8")
        link = LexborHTMLParser(html).css_first('link[rel="canonical"]')
        parsed = parse_or_error(html, (link.attributes.get("href") or "") if link else "")
        expected_path = path.with_name(f"{path.stem}.expected.json")
        update = request.config.getoption("--update-expected", default=False)
        if update or os.environ.get("LGSCO_UPDATE_EXPECTED") == "1":
            expected_path.write_text(json.dumps(parsed, indent=2, ensure_ascii=False) + "\n")
        assert parsed == json.loads(expected_path.read_text(encoding="utf-8"))


class TestParseListing:
    def test_reads_rendered_results(self) -> None:
        listing = parse_listing(render_listing(ROWS, total=1_204), url=URL)
        assert listing == ParsedListing(total=1_204, items=tuple(map(as_item, ROWS)))

    @pytest.mark.parametrize(("total", "text"), [(1, "has 1 result"), (0, "has 0 results")])
    def test_reads_singular_and_empty_counts(self, total: int, text: str) -> None:
        html = render_listing(ROWS[:total], total=total)
        assert text in LexborHTMLParser(html).text()
        assert parse_listing(html, url=URL).total == total

    def test_reads_absolute_links_once_as_paths(self) -> None:
        link = "https://www.lgo.org.uk/decisions/planning/enforcement/22-018-330?displaypref=1"
        html = (
            f'<p>Your search has 1 result</p><ul><li><a href="{link}">A Council (22 018 330)</a>'
            "<p>Statement Upheld Enforcement 03-Feb-2023</p>"
            f"<a href='{link}'>Read more</a></li></ul>"
        )
        (item,) = parse_listing(html, url=URL).items
        assert item.url == "/decisions/planning/enforcement/22-018-330"
        assert (item.outcome_label, item.decided_on) == ("Upheld", date(2023, 2, 3))

    def test_refuses_the_search_shell(self) -> None:
        with pytest.raises(ParseError, match="search shell: no result count"):
            parse_listing(render_search_shell(), url=URL)


class TestOnlyParseError:
    @settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
    @given(
        cut=st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 300)), max_size=8),
        noise=st.text(max_size=40),
    )
    def test_mutated_pages(self, cut: list[tuple[int, int]], noise: str) -> None:
        html = render_listing(ROWS, total=3)
        for start, length in cut:
            at = start % (len(html) + 1)
            html = html[:at] + noise + html[at + length :]
        try:
            listing = parse_listing(html, url=URL)
        except ParseError:
            return
        assert listing.total >= 0
