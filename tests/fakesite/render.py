"""Corpus text -> HTML in the LGSCO site's shapes, for the fake site and the benchmarks. Pure.

A corpus entry holds a page's visible text, not its markup; these functions rebuild a page from
it. Three shapes of decision page exercise the parser's reading order:
- "site": the current template: `<article id="article">`, header as `.label`/`.value` pairs,
  `<h2>`/`<h3>` headings, numbered paragraphs as `<ol><li>`, `Back to top` links;
- "dl": a changed template: no article id, header as `<dl><dt>Category</dt><dd>...</dd>`;
- "flat": `<p>` only, no ids or classes; header as text lines `Category : A > B`, headings bold.
Pages whose text has no header lines (older ones) are rendered without a header.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from lgsco_shared.references import normalise
from tests.fakesite.chrome import PAGINATION, SEARCH_FORM, page

SHAPES = ("site", "dl", "flat")
_SITE_NAME = "Local Government and Social Care Ombudsman"
_TITLE = re.compile(
    r"^(?P<org>.+) \((?P<ref>\d{2} \d{3} \d{3})\)$"
)  # "Kent County Council (22 003 374)"
_HEADER = re.compile(r"^(Category|Decision|Decision date) : (.*)$")  # "Decision : Upheld"
_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>\d+\.|-|•) (?P<text>.*)$")  # "  1. Mr X complains"
_PREFACE = "The Ombudsman's final decision:"
# Section headings that open a top-level section (others become <h3> sub-headings).
_TOP_HEADINGS = {
    "The complaint", "The Ombudsman’s role and powers", "The Ombudsman's role and powers",
    "What I have investigated", "What I have and have not investigated",
    "How I considered this complaint", "My assessment", "What I found", "Agreed action",
    "Action", "Final decision", "Decision",
}  # fmt: skip
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(slots=True)
class _Block:
    kind: str  # "h2", "h3", "p", "li", "top"
    text: str = ""
    depth: int = 1  # list nesting, for "li"
    ordered: bool = True


@dataclass(slots=True)
class _Page:
    organisation: str
    reference: str
    header: dict[str, str] = field(default_factory=dict)  # label -> value, in page order
    toc: list[str] = field(default_factory=list)
    summary: str = ""
    blocks: list[_Block] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ListingRow:
    reference: str
    path: str  # /decisions/{cat}/{sub}/{yy-nnn-nnn}
    organisation: str
    outcome_label: str | None  # None (and subcategory too) for pages without a header
    subcategory: str | None
    decided_on: date
    summary: str
    kind: str = "Statement"  # or "Report" (public interest report)


def render_decision(
    entry_text: str,
    *,
    shape: str = "site",
    reference: str | None = None,
    organisation: str | None = None,
    decided_on: date | None = None,
    chrome: bool = True,
) -> str:
    """A decision page. Overrides change title, `<title>` and header alike (no header: no date)."""
    if shape not in SHAPES:
        raise ValueError(f"shape {shape!r} is not one of {SHAPES}")
    page = _read(entry_text)
    page.reference = normalise(reference) if reference else page.reference
    page.organisation = organisation or page.organisation
    if decided_on is not None and "Decision date" in page.header:
        page.header["Decision date"] = (
            f"{decided_on.day:02} {_MONTHS[decided_on.month - 1]} {decided_on.year}"
        )
    render = {"site": _site, "dl": _dl, "flat": _flat}[shape]
    title = f"{page.organisation} ({page.reference})"
    return _document(
        title, render(page, title), wrap="div" if shape == "flat" else "main", chrome=chrome
    )


def render_listing(items: Sequence[ListingRow], *, total: int) -> str:
    """One page of /Decisions/SearchResults: the count, then each result."""
    noun = "result" if total == 1 else "results"
    body = (
        f'{SEARCH_FORM}<div class="search-results"><p class="search-results__count">'
        f"Your search has <strong>{total:,}</strong> {noun}</p>"
        f'<ol class="search-results__list">{"".join(map(_result, items))}</ol>{PAGINATION}</div>'
    )
    return _document("Search decisions", body, wrap="main", chrome=True)


def _result(row: ListingRow) -> str:
    """`South Gloucestershire Council (25 006 248)`, `Statement Upheld Homelessness 27-Apr-2026`."""
    meta = [("type", row.kind), ("outcome", row.outcome_label), ("category", row.subcategory)]
    spans = "".join(f'<span class="{c}">{escape(v)}</span> ' for c, v in meta if v)
    when = f"{row.decided_on.day:02}-{_MONTHS[row.decided_on.month - 1]}-{row.decided_on.year}"
    return (
        f'<li class="search-result"><h3 class="search-result__title"><a href="{escape(row.path)}">'
        f"{escape(row.organisation)} ({normalise(row.reference)})</a></h3>"
        f'<p class="search-result__meta">{spans}<span class="date">{when}</span></p>'
        f'<p class="search-result__summary"><strong>Summary:</strong> {escape(row.summary)}</p>'
        "</li>"
    )


def render_search_shell() -> str:
    """What the site serves to clients it takes for bots: the form, no results, no count."""
    body = f'{SEARCH_FORM}<div class="search-results" data-state="pending"></div>'
    return _document("Search decisions", body, wrap="main", chrome=True)


# --- Reading the corpus text -----------------------------------------------------------------


def _read(entry_text: str) -> _Page:
    lines = [line for line in entry_text.split("\n") if line.strip()]
    if not lines or (title := _TITLE.match(lines[0].strip())) is None:
        raise ValueError(f"not a corpus decision text: {entry_text[:60]!r}")
    page = _Page(organisation=title["org"], reference=title["ref"])
    i = 1
    while i < len(lines) and lines[i].strip() != _PREFACE:
        if header := _HEADER.match(lines[i].strip()):
            page.header[header[1]] = header[2]
        else:  # "- The complaint": a table of contents
            page.toc.append(lines[i].strip().removeprefix("- "))
        i += 1
    page.summary = lines[i + 1].strip().removeprefix("Summary: ") if i + 1 < len(lines) else ""
    page.blocks = _blocks(lines[i + 2 :])
    return page


def _blocks(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    for n, line in enumerate(lines):
        text, last = line.strip(), n == len(lines) - 1
        if text == "Back to top":
            blocks.append(_Block("top"))
        elif item := _ITEM.match(line):
            open_list = bool(blocks) and blocks[-1].kind == "li"
            nested = open_list and (item["marker"] == "•" or len(item["indent"]) >= 6)
            blocks.append(_Block("li", item["text"], 2 if nested else 1, item["marker"] != "•"))
        elif not last and _looks_like_heading(text):
            top = text in _TOP_HEADINGS or not blocks or blocks[-1].kind == "top"
            blocks.append(_Block("h2" if top else "h3", text))
        else:  # the last line is cut mid-sentence: always a paragraph
            blocks.append(_Block("p", text))
    return blocks


def _looks_like_heading(text: str) -> bool:
    """`Brief background`, not `(Local Government Act 1974, section 24A(6))`."""
    return len(text) <= 70 and text[:1].isupper() and not text.endswith((".", ":", ";", ",", ")"))


# --- Shapes ----------------------------------------------------------------------------------


def _site(page: _Page, title: str) -> str:
    pairs = "".join(
        f'<p class="decision-meta__item"><span class="label">{label}</span> : '
        f'<span class="value">{escape(value)}</span></p>'
        for label, value in page.header.items()
    )
    toc = "".join(
        f'<li><a href="#section-{i}">{escape(t)}</a></li>' for i, t in enumerate(page.toc)
    )
    return (
        '<article id="article" class="decision">'
        f'<header class="decision__header"><h1 class="decision__title">{escape(title)}</h1>'
        + (f'<ul class="decision__contents">{toc}</ul>' if toc else "")
        + (f'<div class="decision-meta">{pairs}</div>' if pairs else "")
        + '</header><div class="decision__body">'
        f'<p class="decision__final"><strong>{_PREFACE}</strong></p>'
        f"<p><strong>Summary:</strong> {escape(page.summary)}</p>"
        + _blocks_html(
            page.blocks,
            ("h2", "h3"),
            top='<p class="back-to-top"><a href="#top">Back to top</a></p>',
        )
        + '<p class="print-page"><a href="#" data-print="true">Print this page</a></p>'
        "</div></article>"
    )


def _dl(page: _Page, title: str) -> str:
    pairs = "".join(
        f"<dt>{label}</dt><dd>{escape(value)}</dd>" for label, value in page.header.items()
    )
    toc = "".join(f"<li>{escape(t)}</li>" for t in page.toc)
    return (
        '<nav class="breadcrumbs"><a href="/">Home</a> <a href="/decisions">Decisions</a></nav>'
        f'<div class="decision"><div class="decision-title">{escape(title)}</div>'
        + (f'<ol class="toc">{toc}</ol>' if toc else "")
        + (f'<dl class="decision-details">{pairs}</dl>' if pairs else "")
        + f'<section class="decision-text"><h3>{_PREFACE}</h3>'
        f"<p>Summary: {escape(page.summary)}</p>"
        + _blocks_html(page.blocks, ("h3", "h4"), top='<a class="top" href="#top">Back to top</a>')
        + '<button type="button">Print this page</button></section></div>'
    )


def _flat(page: _Page, title: str) -> str:
    header = "<br>".join(f"{label} : {escape(value)}" for label, value in page.header.items())
    parts = [f"<p><strong>{escape(title)}</strong></p>", *(f"<p>{escape(t)}</p>" for t in page.toc)]
    parts += [f"<p>{header}</p>"] if header else []
    parts += [f"<p>{_PREFACE}</p>", f"<p>Summary: {escape(page.summary)}</p>"]
    for block in page.blocks:
        text = escape(block.text)
        parts.append(
            f"<p><strong>{text}</strong></p>" if block.kind in ("h2", "h3")
            else '<p><a href="#top">Back to top</a></p>' if block.kind == "top"
            else f"<p>{text}</p>"
        )  # fmt: skip
    return "<div>" + "".join(parts) + '<p><a href="#">Print this page</a></p></div>'


def _blocks_html(blocks: list[_Block], levels: tuple[str, str], *, top: str) -> str:
    out: list[str] = []
    lists: list[str] = []  # the open <ol>/<ul> tags; each has an open <li>
    for block in blocks:
        if block.kind != "li":
            while lists:
                out.append(f"</li></{lists.pop()}>")
        if block.kind == "li":
            depth = min(block.depth, len(lists) + 1)
            while len(lists) > depth:
                out.append(f"</li></{lists.pop()}>")
            if len(lists) == depth:
                out.append("</li>")
            while len(lists) < depth:
                lists.append("ol" if block.ordered else "ul")
                out.append(f"<{lists[-1]}>")
            out.append(f"<li>{escape(block.text)}")
        elif block.kind == "top":
            out.append(top)
        elif block.kind == "p":
            out.append(f"<p>{escape(block.text)}</p>")
        else:
            level = levels[block.kind == "h3"]
            out.append(f"<{level}>{escape(block.text)}</{level}>")
    out.extend(f"</li></{tag}>" for tag in reversed(lists))
    return "".join(out)


def _document(title: str, body: str, *, wrap: str, chrome: bool) -> str:
    head = f'<meta charset="utf-8"><title>{escape(title)} - {_SITE_NAME}</title>'
    if not chrome:
        return f'<!DOCTYPE html><html lang="en"><head>{head}</head><body>{body}</body></html>'
    return page(head, body, wrap=wrap)
