"""The fake site's renderer: each shape has the markup it promises, and reads back the same.

The texts here are invented, in the corpus's two layouts (blank lines, numbered paragraphs and
`Back to top`; compact `- ` bullets without a header); the corpus itself is used only where
present.
"""

from __future__ import annotations

from datetime import date

import pytest
from selectolax.lexbor import LexborHTMLParser

from lgsco_ingest.site.parse import parse_decision
from tests.fakesite.corpus import corpus_available, load_corpus, requires_corpus
from tests.fakesite.render import SHAPES, render_decision, render_search_shell

OLDER = """Eastmere County Council (25 004 117)

Category : Adult care services > Charging

Decision : Upheld

Decision date : 14 Oct 2025

The Ombudsman's final decision:

Summary: The Council did not explain care charges to Mrs X. It has agreed to apologise & pay £200.

The complaint

  1. Mrs X complains the Council:
      1. did not explain the charge; and
      2. sent four invoices at once.
  2. Mrs X says this caused distress.

Back to top

My assessment

Brief background

  1. The Council should give people information about charges before care starts:
    • in writing; and
    • in good time.

(Care and Support Statutory Guidance, chapter 8)

Back to top

Agreed action

  1. Within one month of the final decision, the Council will apologise to Mrs X and pay her"""
COMPACT = """Northfold Borough Council (21 003 906)
The Ombudsman's final decision:
Summary: Miss E complained the Council delayed a review. We found fault.
The complaint
- Miss E complains the Council took nine months to review a plan.
What I found
- The Council should review the plan every six months."""
URL = "/decisions/adult-care-services/charging/25-004-117"


class TestRenderDecision:
    def test_site_shape_has_article_labels_and_numbered_paragraphs(self) -> None:
        tree = LexborHTMLParser(render_decision(OLDER, shape="site"))
        assert tree.css_first("article#article h1") is not None
        labels = [n.text() for n in tree.css("article#article .label")]
        assert labels == ["Category", "Decision", "Decision date"]
        assert len(tree.css("article#article ol > li > ol > li")) == 2  # sub-paragraphs a), b)
        assert len(tree.css("article#article ol > li > ul > li")) == 2  # bullets
        assert [n.text() for n in tree.css("article#article h3")] == ["Brief background"]

    def test_dl_shape_has_a_definition_list_and_no_article_id(self) -> None:
        tree = LexborHTMLParser(render_decision(OLDER, shape="dl"))
        assert tree.css_first("#article") is None
        assert [n.text() for n in tree.css("main dl dt")] == [
            "Category",
            "Decision",
            "Decision date",
        ]

    def test_flat_shape_has_paragraphs_without_ids_or_classes(self) -> None:
        tree = LexborHTMLParser(render_decision(OLDER, shape="flat", chrome=False))
        body = tree.body
        assert body is not None
        tags = {node.tag for node in body.traverse()} - {"body"}
        assert tags <= {"div", "p", "strong", "br", "a"}
        assert not [n for n in body.traverse() if "id" in n.attributes or "class" in n.attributes]
        assert "Category : Adult care services &gt; Charging<br>Decision : Upheld" in (
            tree.html or ""
        )

    @pytest.mark.parametrize("shape", SHAPES)
    def test_pages_without_header_lines_render_without_header(self, shape: str) -> None:
        html = render_decision(COMPACT, shape=shape)
        content = LexborHTMLParser(html).css_first("main, body > div")
        assert content is not None and "Category" not in content.text()
        parsed = parse_decision(html, url="/decisions/housing/allocations/21-003-906")
        assert parsed.outcome_label is None and parsed.category == "Housing"

    @pytest.mark.parametrize("shape", SHAPES)
    def test_every_shape_reads_back_the_same(self, shape: str) -> None:
        parsed = parse_decision(render_decision(OLDER, shape=shape), url=URL)
        site = parse_decision(render_decision(OLDER, shape="site"), url=URL)
        assert parsed == site
        assert parsed.summary.endswith("apologise & pay £200.")
        assert [s.heading for s in parsed.sections] == [
            "The complaint", "My assessment", "Brief background", "Agreed action",
        ]  # fmt: skip

    def test_overrides_change_title_head_and_header(self) -> None:
        html = render_decision(
            OLDER, reference="26123456", organisation="Ashcombe District Council",
            decided_on=date(2026, 1, 2),
        )  # fmt: skip
        tree = LexborHTMLParser(html)
        title = tree.css_first("title")
        assert title is not None and title.text().startswith(
            "Ashcombe District Council (26 123 456)"
        )
        header = tree.css_first("article#article header")
        assert header is not None and "Eastmere" not in header.text()
        assert "02 Jan 2026" in html

    def test_chrome_surrounds_the_decision(self) -> None:
        html = render_decision(OLDER)
        assert 40_000 < len(html.encode()) < 60_000
        for furniture in (
            "<nav",
            "cookie-banner",
            "Review your privacy settings",
            "<footer",
            "<script",
        ):
            assert furniture in html
        assert "<nav" not in render_decision(OLDER, chrome=False)

    def test_refuses_text_that_is_not_a_decision(self) -> None:
        with pytest.raises(ValueError, match="not a corpus decision text"):
            render_decision("Hello")


class TestRenderSearchShell:
    def test_has_the_form_but_no_count(self) -> None:
        tree = LexborHTMLParser(render_search_shell())
        assert tree.css_first("form[action='/Decisions/SearchResults']") is not None
        assert "Your search has" not in tree.text()


@requires_corpus
@pytest.mark.corpus
class TestCorpusPages:
    def test_pages_weigh_about_50_kb(self) -> None:
        sizes = [len(render_decision(e.text).encode()) for e in load_corpus()]
        assert 45_000 < sum(sizes) / len(sizes) < 55_000

    def test_corpus_is_loaded_whole(self) -> None:
        entries = load_corpus()
        assert corpus_available() and len(entries) == 109
        assert all(e.path.startswith("/decisions/") and e.path in e.url for e in entries)
        assert sum(e.remedies is not None for e in entries) == 55
