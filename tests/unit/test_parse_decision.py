"""parse_decision: saved pages, small value cases, the real corpus in every shape, and fuzzing.

Saved pages live in tests/pages/lgsco/decision-*.html beside <name>.expected.json. To (re)write
the JSON after a deliberate change, run with LGSCO_UPDATE_EXPECTED=1 (or `--update-expected`
once tests/conftest.py registers that option), then review the diff like code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from lgsco_ingest.site.parse import parse_decision
from lgsco_ingest.site.records import ParsedDecision, ParseError
from lgsco_ingest.site.wording import slug_words
from lgsco_shared.references import InvalidReference, normalise, to_slug
from tests.fakesite.corpus import CorpusEntry, corpus_available, load_corpus, requires_corpus
from tests.fakesite.render import SHAPES, render_decision

PAGES = Path(__file__).resolve().parents[1] / "pages" / "lgsco"
URL = "https://www.lgo.org.uk/decisions/adult-care-services/charging/25-004-117"
CHROME_TEXT = ("Back to top", "Print this page", "privacy settings", "Google Analytics", "Skip to")
FIELDS = ("ref", "organisation", "category", "subcategory", "decision", "decision_date", "summary")
ENTRIES = load_corpus() if corpus_available() else []


def as_json(value: ParsedDecision) -> object:
    return json.loads(json.dumps(dataclasses.asdict(value), default=str))  # dates as ISO text


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def article(*blocks: str) -> str:
    return page('<article id="article">' + "".join(blocks) + "</article>")


TITLE = "<h1>Eastmere County Council (25 004 117)</h1>"
SUMMARY = "<p>Summary: We found fault.</p>"


def update_expected(request: pytest.FixtureRequest) -> bool:
    option = bool(request.config.getoption("--update-expected", default=False))
    return option or os.environ.get("LGSCO_UPDATE_EXPECTED") == "1"


def canonical_url(html: str) -> str:
    node = LexborHTMLParser(html).css_first('link[rel="canonical"]')
    return (node.attributes.get("href") or "") if node is not None else ""


class TestSavedPages:
    @pytest.mark.parametrize("path", sorted(PAGES.glob("decision-*.html")), ids=lambda p: p.stem)
    def test_parses_as_expected(self, path: Path, request: pytest.FixtureRequest) -> None:
        html = path.read_text(encoding="utf-8")
        expected_path = path.with_name(f"{path.stem}.expected.json")
        parsed = as_json(parse_decision(html, url=canonical_url(html)))
        if update_expected(request):
            expected_path.write_text(json.dumps(parsed, indent=2, ensure_ascii=False) + "\n")
        assert parsed == json.loads(expected_path.read_text(encoding="utf-8"))

    def test_there_is_a_page_for_every_shape_and_an_agreed_action(self) -> None:
        names = [p.stem for p in PAGES.glob("decision-*.html")]
        assert {"site", "dl", "flat", "older"} <= {n.split("-")[1] for n in names}
        agreed = [json.loads(p.read_text())["sections"] for p in PAGES.glob("decision-*.json")]
        assert any(s["heading"] == "Agreed action" for sections in agreed for s in sections)


class TestParseDecision:
    def test_reads_structured_header_first(self) -> None:
        html = article(
            TITLE,
            "<p>Category : Housing &gt; Allocations</p>",  # the labelled pair wins
            '<p><span class="label">Category</span> : <span class="value">Planning &gt; '
            "Enforcement</span></p>",
            '<p><span class="label">Decision date:</span><span class="value">24 August 2022'
            "</span></p>",
            SUMMARY,
        )
        parsed = parse_decision(html, url=URL)
        assert (parsed.category, parsed.subcategory) == ("Planning", "Enforcement")
        assert parsed.decided_on == date(2022, 8, 24)

    def test_reads_header_lines_when_there_are_no_label_elements(self) -> None:
        header = (
            "<p>Category : Housing &gt; Homelessness<br>Decision : Upheld<br>"
            "Decision date : 5 Sept 2023</p>"
        )
        parsed = parse_decision(article(TITLE, header, SUMMARY), url=URL)
        assert (parsed.category, parsed.subcategory) == ("Housing", "Homelessness")
        assert (parsed.outcome_label, parsed.decided_on) == ("Upheld", date(2023, 9, 5))

    def test_reads_a_label_line_then_its_value_line(self) -> None:
        header = "<div>Decision</div><div>Closed after initial enquiries</div>"
        parsed = parse_decision(article(TITLE, header, SUMMARY), url=URL)
        assert parsed.outcome_label == "Closed after initial enquiries"

    def test_falls_back_to_url_slugs_with_warnings(self) -> None:
        url = "/decisions/children-s-care-services/child-protection/25-004-117?displaypref=0"
        parsed = parse_decision(article(TITLE, SUMMARY), url=url)
        assert (parsed.category, parsed.subcategory) == (
            "Children's care services",
            "Child protection",
        )
        assert parsed.outcome_label is None and parsed.decided_on is None
        assert len(parsed.warnings) == 4
        assert "category read from the URL slug 'children-s-care-services'" in parsed.warnings

    def test_names_missing_fields_without_guessing(self) -> None:
        parsed = parse_decision(article(TITLE, SUMMARY), url="")
        assert (parsed.category, parsed.subcategory) == (None, None)
        assert "no category on the page or in the URL" in parsed.warnings

    def test_refuses_a_date_it_does_not_understand(self) -> None:
        header = "<p>Decision date : 31 Feb 2022</p>"
        parsed = parse_decision(article(TITLE, header, SUMMARY), url=URL)
        assert parsed.decided_on is None
        assert "decision date '31 Feb 2022' not understood" in parsed.warnings

    @pytest.mark.parametrize(
        ("title", "organisations"),
        [
            ("The Grange (Bath) Limited (25 004 117)", ("The Grange (Bath) Limited",)),
            ("Bath, Wells and Frome Council (25 004 117)", ("Bath, Wells and Frome Council",)),
            ("Redcar &amp; Cleveland Council (25-004-117)", ("Redcar & Cleveland Council",)),
            ("A Council (24 000 001), B Care Ltd (25 004 117)", ("A Council", "B Care Ltd")),
            ("A Council (24 000 001); and B Care Ltd (25 004 117)", ("A Council", "B Care Ltd")),
        ],
    )  # fmt: skip
    def test_reads_organisations_from_the_title(
        self, title: str, organisations: tuple[str, ...]
    ) -> None:
        parsed = parse_decision(article(f"<p><strong>{title}</strong></p>", SUMMARY), url=URL)
        assert parsed.organisations == organisations
        assert parsed.reference == "25 004 117"  # the one the URL names

    def test_warns_when_the_title_and_url_disagree(self) -> None:
        parsed = parse_decision(article(TITLE, SUMMARY), url=URL.replace("117", "118"))
        assert parsed.reference == "25 004 117"
        assert parsed.warnings[0] == "title reference 25 004 117 differs from the URL's 25 004 118"

    def test_reads_the_title_from_head_when_the_page_has_no_title_line(self) -> None:
        html = page(SUMMARY, head="<title>Eastmere County Council (25 004 117) - LGSCO</title>")
        parsed = parse_decision(html, url=URL)
        assert parsed.organisations == ("Eastmere County Council",)
        assert "title read from the page's <title>" in parsed.warnings

    def test_reads_a_summary_whose_text_is_in_the_next_block(self) -> None:
        html = article(
            TITLE, "<h2>Summary:</h2><p>We found fault.</p><h2>The complaint</h2><p>X.</p>"
        )
        parsed = parse_decision(html, url=URL)
        assert parsed.summary == "We found fault."
        assert parsed.sections[0].paragraphs == ("X.",)

    def test_keeps_sub_headings_as_sections_in_page_order(self) -> None:
        html = article(
            TITLE, SUMMARY, "<h2>My assessment</h2><h3>Brief background</h3><ol><li>One.</li>",
            "<li>Two <a href='#'>linked</a>.</li></ol><p><a href='#top'>Back to top</a></p>",
            "<p><strong>Analysis</strong></p><p>Three.</p>",
        )  # fmt: skip
        headings = [(s.heading, s.paragraphs) for s in parse_decision(html, url=URL).sections]
        assert headings == [
            ("My assessment", ()),
            ("Brief background", ("One.", "Two linked.")),
            ("Analysis", ("Three.",)),
        ]

    @pytest.mark.parametrize(
        "wrapper",
        ['<form id="aspnetForm" action="/decisions">', '<div class="page cookie-consent-given">'],
    )
    def test_keeps_a_chrome_like_wrapper_that_holds_the_decision(self, wrapper: str) -> None:
        tag = wrapper[1 : wrapper.index(" ")]
        html = page(
            f"{wrapper}<nav>Menu (25 000 001)</nav><div>{TITLE}{SUMMARY}<h2>The complaint</h2>"
            f"<p>Text.</p></div><footer>Footer</footer></{tag}>"
        )
        parsed = parse_decision(html, url=URL)
        assert parsed.body_text == "Summary: We found fault.\nThe complaint\nText."

    @pytest.mark.parametrize(
        ("html", "reason"),
        [
            ("", "no title"),
            (article(SUMMARY), "no title"),
            (article("<h1>(25 004 117)</h1>", SUMMARY), "title names no organisation"),
            (article(TITLE, "<p>The complaint</p>"), "no summary"),
            (page("<p>Your search has 3 results</p>"), "no title"),
            ("<frameset></frameset>", "empty page"),
            ("<p>" * 16_000, "page too large"),
        ],
    )
    def test_refuses_what_is_not_a_decision(self, html: str, reason: str) -> None:
        with pytest.raises(ParseError, match=reason):
            parse_decision(html, url=URL)


# --- The real corpus, rendered in every shape ------------------------------------------------


def truth_of(parsed: ParsedDecision) -> dict[str, object]:
    return {
        "ref": parsed.reference,
        "organisation": " / ".join(parsed.organisations),
        "category": parsed.category,
        "subcategory": parsed.subcategory,
        "decision": parsed.outcome_label,
        "decision_date": parsed.decided_on.isoformat() if parsed.decided_on else None,
        "summary": parsed.summary,
    }


def expected_truth(entry: CorpusEntry) -> dict[str, object]:
    expected = {key: entry.truth[key] for key in FIELDS}
    if not entry.truth["has_header"]:  # no header: category and subcategory from the URL
        expected["category"] = slug_words(entry.truth["category_slug"])
        expected["subcategory"] = slug_words(entry.truth["subcategory_slug"])
    return expected


def entry_id(entry: CorpusEntry | None) -> str:
    return entry.truth["ref"].replace(" ", "-") if entry else "absent"


@requires_corpus
@pytest.mark.corpus
class TestCorpus:
    @pytest.mark.parametrize("shape", SHAPES)
    @pytest.mark.parametrize("entry", ENTRIES or [None], ids=entry_id)
    def test_reads_every_truth_field(self, entry: CorpusEntry, shape: str) -> None:
        parsed = parse_decision(render_decision(entry.text, shape=shape), url=entry.url)
        assert truth_of(parsed) == expected_truth(entry)
        if not entry.truth["has_header"]:
            assert any("URL slug" in warning for warning in parsed.warnings)
        assert not [chrome for chrome in CHROME_TEXT if chrome in parsed.body_text]

    @pytest.mark.parametrize("entry", ENTRIES or [None], ids=entry_id)
    def test_shapes_agree_and_keep_all_the_text(self, entry: CorpusEntry) -> None:
        parsed = [
            parse_decision(render_decision(entry.text, shape=s), url=entry.url) for s in SHAPES
        ]
        assert parsed[0].sections == parsed[1].sections == parsed[2].sections
        assert parsed[0].body_text == parsed[1].body_text == parsed[2].body_text
        body = parsed[0].body_text
        at = 0
        for line in body_lines_of(entry.text):
            found = body.find(line, at)
            assert found >= 0, f"{line[:60]!r} missing from body_text"
            at = found + len(line)

    def test_overrides_change_title_and_header_together(self) -> None:
        entry = next(e for e in ENTRIES if e.truth["has_header"])
        html = render_decision(
            entry.text, reference="26-123-456", organisation="Eastmere County Council",
            decided_on=date(2026, 3, 9),
        )  # fmt: skip
        parsed = parse_decision(html, url="/decisions/a/b/26-123-456")
        assert (parsed.reference, parsed.organisations) == (
            "26 123 456",
            ("Eastmere County Council",),
        )
        assert parsed.decided_on == date(2026, 3, 9) and not parsed.warnings
        assert "Eastmere County Council (26 123 456) - " in html  # the page's <title>


def body_lines_of(text: str) -> list[str]:
    """The corpus text's decision lines from the preface on, without markers or `Back to top`."""
    lines = [re.sub(r"^\s*(\d+\.|-|•)\s+", "", ln).strip() for ln in text.split("\n")]
    start = lines.index("The Ombudsman's final decision:")
    return [ln for ln in lines[start:] if ln and ln != "Back to top"]


# --- Anything at all: only ParseError --------------------------------------------------------

TOKENS = st.sampled_from(
    ["<p>", "</p>", "<h2>", "<li>", "<ol>", "</article>", '<article id="article">', "<dt>",
     "<dd>", '<span class="label">', '<span class="value">', "<strong>", "<br>", "<script>",
     "<!--", "<title>", "</title>", "<main>", "<table><tr><td>", "&amp;", "&#0;", "\x00", "\x1f",
     "(25 004 117)", "Eastmere Council (25 004 117)", "Summary:", "Summary: x", "Category : ",
     " > ", "Decision : ", "Decision date : ", "31 Feb 2022", "24 Aug 2022", "Back to top",
     "The Ombudsman's final decision:", "The complaint", "Print this page", "é", "\u2028"]
)  # fmt: skip
SAVED = [p.read_text(encoding="utf-8") for p in sorted(PAGES.glob("decision-*.html"))]
FUZZ = settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated_pages(draw: st.DrawFn) -> str:
    html = draw(st.sampled_from(SAVED))
    for _ in range(draw(st.integers(1, 12))):
        i = draw(st.integers(0, len(html)))
        j = min(len(html), i + draw(st.integers(0, 400)))
        token = draw(TOKENS | st.text(max_size=20))
        html = draw(
            st.sampled_from(
                [
                    html[:i] + html[j:],
                    html[:i] + token + html[i:],
                    html[:i] + html[i:j] * 2 + html[j:],
                ]
            )
        )
    return html


class TestOnlyParseError:
    @FUZZ
    @given(
        html=st.lists(TOKENS | st.text(max_size=30), max_size=80).map("".join),
        url=st.text(max_size=80),
    )
    def test_random_markup(self, html: str, url: str) -> None:
        with contextlib.suppress(ParseError):
            parse_decision(html, url=url)

    @FUZZ
    @given(html=mutated_pages())
    def test_mutated_pages(self, html: str) -> None:
        try:
            parsed = parse_decision(html, url=URL)
        except ParseError:
            return
        assert parsed.reference and parsed.organisations and parsed.summary


class TestReferenceNormaliser:
    @settings(max_examples=200, deadline=1000)
    @given(value=st.text(max_size=40))
    def test_random_strings_are_refused_only_with_invalid_reference(self, value: str) -> None:
        try:
            canonical = normalise(value)
        except InvalidReference:
            return
        assert normalise(canonical) == canonical

    @settings(max_examples=200, deadline=1000)
    @given(
        year=st.integers(0, 99), a=st.integers(0, 999), b=st.integers(0, 999),
        sep=st.sampled_from([" ", "-", ""]), pad=st.sampled_from(["", " ", "  ", "\t"]),
    )  # fmt: skip
    def test_valid_forms_round_trip(self, year: int, a: int, b: int, sep: str, pad: str) -> None:
        canonical = f"{year:02} {a:03} {b:03}"
        assert normalise(f"{pad}{year:02}{sep}{a:03}{sep}{b:03}{pad}") == canonical
        assert normalise(to_slug(canonical)) == canonical == normalise(canonical)

    def test_refuses_non_ascii_digits(self) -> None:
        with pytest.raises(InvalidReference):
            normalise("٢٢ ٠٠٣ ٣٧٤")
