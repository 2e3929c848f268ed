"""LGSCO decision and search-result pages -> ParsedDecision / ParsedListing. Pure: str in, data out.

Site https://www.lgo.org.uk (addresses and selectors live in lgsco_ingest.site):
- decision: /decisions/{category-slug}/{subcategory-slug}/{yy-nnn-nnn}[?displaypref=0|1]
- search:   /Decisions/SearchResults?fd=YYYY-MM-DD&td=YYYY-MM-DD&dc=c+nu+u+&sortOrder=..&page=N

A decision is read in three passes, each filling only what the one before left missing: the
`.label`/`.value` (or `dt`/`dd`) pairs in the decision container; the container's visible text
lines (`Category : A > B`); for category and subcategory only, the URL slugs (with a warning).
What is still missing is None and named in `warnings`, never guessed.

Sections are flat, in page order: every heading of any level starts one, so the sub-headings of
`My assessment` (`Brief background`, `Analysis`) are sections of their own and `My assessment`
keeps an empty paragraph tuple (the outline survives; `Agreed action` stays easy to find).
`body_text` runs from `The Ombudsman's final decision:` to the end of the decision, one block a
line, without title, header, table of contents, `Back to top` or `Print this page`.

History:
- 2026-11 first version, from stored copies of pages decided 2018-2025 and notes on the site:
  decision inside `article#article`, header as `.label`/`.value` pairs; 12 of 109 stored pages
  (references 20-24) have no Category/Decision/Decision date header, one opens with a table of
  contents. Search results say `Your search has N results`, then per result a link
  `Org (ref)` and `Statement Upheld Homelessness 27-Apr-2026`; bot-like clients have been
  served the search form alone (no count), which parse_listing refuses.
"""

from __future__ import annotations

import re
from collections import Counter

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from lgsco_ingest import site
from lgsco_ingest.site import wording
from lgsco_ingest.site.records import ListingItem, ParsedDecision, ParsedListing, ParseError
from lgsco_shared.references import normalise

# Pages are ~50 KB with ~1,500 tags. lexbor's parse time grows with the square of nesting depth
# (100,000 nested <div> take ~30 s), so the tag count is capped too: 15,000 keeps the worst case
# under a second and leaves long public-interest reports plenty of room.
MAX_HTML_CHARS = 3_000_000
MAX_TAGS = 15_000
_SEP = "\x1f"  # joins text fragments, so that block boundaries become line breaks


def parse_decision(html: str, *, url: str) -> ParsedDecision:
    """Read one decision page; ParseError (only) if it is not recognisably a decision."""
    tree = _tree(html, url)
    root = _container(tree)
    if root is None:
        raise ParseError("empty page: no body", url=url)
    _drop_chrome(root)
    structured = _structured_fields(root)
    headings = _heading_texts(root)
    lines = _lines(root)
    title_at = next(
        (i for i, ln in enumerate(lines[: wording.LOOKAHEAD]) if wording.split_title(ln)), None
    )
    groups = wording.split_title(lines[title_at] if title_at is not None else _head_title(tree))
    if not groups:
        raise ParseError("no title 'Organisation (YY NNN NNN)': not a decision page", url=url)
    if not all(name for name, _ in groups):
        raise ParseError(f"title names no organisation for {groups[0][1]!r}", url=url)
    start = 0 if title_at is None else title_at + 1
    summary, summary_at, body_at, warnings = wording.find_summary(lines, start, headings, url)
    fields = {**wording.header_fields(lines[start:body_at], headings), **structured}
    reference, ref_warnings = wording.pick_reference(groups, url)
    category, subcategory, slug_warnings = wording.split_category(fields.get("category"), url)
    decided_on, date_warnings = wording.decision_date(fields.get("decision date"))
    outcome = fields.get("decision")
    return ParsedDecision(
        url=url,
        reference=reference,
        organisations=tuple(dict.fromkeys(name for name, _ in groups)),
        category=category,
        subcategory=subcategory,
        outcome_label=outcome,
        decided_on=decided_on,
        summary=summary,
        sections=wording.sections(wording.body_lines(lines, summary_at + 1), headings),
        body_text="\n".join(wording.body_lines(lines, body_at)),
        warnings=(
            *(["title read from the page's <title>"] if title_at is None else []),
            *warnings,
            *ref_warnings,
            *slug_warnings,
            *([] if outcome else ["no outcome label ('Decision : ...') on the page"]),
            *date_warnings,
        ),
    )


def parse_listing(html: str, *, url: str) -> ParsedListing:
    """Read one page of /Decisions/SearchResults; ParseError for the empty "search shell"."""
    body = _tree(html, url).body
    count = wording.RESULT_COUNT.search(body.text(separator=" ")) if body is not None else None
    if body is None or count is None:
        raise ParseError("search shell: no result count ('Your search has N results')", url=url)
    total = 0 if count.group(1).lower() == "no" else int(count.group(1).replace(",", ""))
    _drop_chrome(body)  # menus and "Related decisions" asides link to permalinks too
    items: dict[str, ListingItem] = {}
    for link in body.css(site.LISTING_LINK):
        path = wording.permalink_path(link.attributes.get("href") or "")
        groups = wording.split_title(wording.clean(link.text())) if path else None
        if path is None or not groups:
            continue  # navigation, "Read more"
        reference = normalise(groups[0][1])
        items.setdefault(reference, _listing_item(link, reference, path, groups[0][0] or None))
    return ParsedListing(total=total, items=tuple(items.values()))


# --- From markup to lines --------------------------------------------------------------------


def _tree(html: str, url: str) -> LexborHTMLParser:
    if not isinstance(html, str):
        raise ParseError(f"page is {type(html).__name__}, not text", url=url)
    if len(html) > MAX_HTML_CHARS or html.count("<") > MAX_TAGS:
        raise ParseError(
            f"page too large: {len(html):,} characters, {html.count('<'):,} '<'", url=url
        )
    try:
        return LexborHTMLParser(html)
    except (SelectolaxError, ValueError, RuntimeError) as exc:
        raise ParseError(f"unparseable HTML: {exc}", url=url) from exc


def _container(tree: LexborHTMLParser) -> LexborNode | None:
    """`article#article`, else the first fallback holding a `(YY NNN NNN)`, else the body."""
    if (node := tree.css_first(site.ARTICLE)) is not None:
        return node
    for selector in site.ARTICLE_FALLBACKS:
        node = tree.css_first(selector)
        if node is not None and wording.TITLE_REF.search(node.text()):
            return node
    return tree.body


def _drop_chrome(root: LexborNode) -> None:
    # Matches come in document order (an element twice if it matches twice): going backwards
    # removes descendants before their ancestors, so no node is freed twice.
    done = {root.mem_id}
    for selector in (site.CHROME_BULK, site.CHROME):
        for node in reversed(root.css(selector)):
            if node.mem_id in done:
                continue
            done.add(node.mem_id)
            if node.tag in site.CHROME_CONTENTLESS or not _holds_decision(node):
                node.decompose()


def _holds_decision(node: LexborNode) -> bool:
    return node.css_first(site.CHROME_UNLESS_HOLDS) is not None


def _structured_fields(root: LexborNode) -> dict[str, str]:
    """`<span class="label">Decision date</span><span class="value">24 Aug 2022</span>`."""
    fields: dict[str, str] = {}
    label: str | None = None
    for node in root.css(site.HEADER_PAIRS):
        value = wording.clean(node.text())
        classes = (node.attributes.get("class") or "").split()
        if node.tag == site.HEADER_TERM or site.HEADER_LABEL_CLASS in classes:
            label = value.rstrip(": ").lower()
        elif label in wording.LABELS and value:
            fields.setdefault(label, value)
            label = None
    return fields


def _heading_texts(root: LexborNode) -> Counter[str]:
    """Texts of h1-h6, and of paragraphs that are all bold (`<p><strong>The complaint</strong>`)."""
    found: Counter[str] = Counter()
    for node in root.css(site.HEADINGS):
        heading = wording.clean(node.text())
        bold = node.tag in ("strong", "b")  # a heading only if the bold fills its paragraph
        if not bold or (node.parent is not None and heading == wording.clean(node.parent.text())):
            found[heading] += 1
    return found


def _lines(root: LexborNode) -> list[str]:
    """One line per block: inline elements are unwrapped (innermost first), their text merged."""
    for node in reversed(root.css(site.INLINE)):
        node.unwrap()
    root.merge_text_nodes()
    return [line for part in root.text(separator=_SEP).split(_SEP) if (line := wording.clean(part))]


def _head_title(tree: LexborHTMLParser) -> str:
    """`<title>Kent County Council (22 003 374) - LGSCO</title>`, for pages with no title line."""
    node = tree.css_first("title")
    return wording.clean(re.split(r"\s+[-|–]\s+", node.text())[0]) if node is not None else ""


def _listing_item(
    link: LexborNode, reference: str, path: str, organisation: str | None
) -> ListingItem:
    """A result's text is that of the link's closest ancestor holding a date."""
    node, found = link.parent, ""
    for _ in range(4):
        if node is None or _permalinks(node) > 1:
            break  # climbed out of this result into the list of results
        found = wording.clean(node.text(separator=" "))
        if wording.RESULT_DATE.search(found):
            break
        node = node.parent
    line = wording.RESULT_LINE.search(found)
    when = line.group(3) if line else next(iter(wording.RESULT_DATE.findall(found)), "")
    return ListingItem(
        reference=reference,
        url=path,
        organisation=organisation,
        outcome_label=line.group(1) if line else None,
        subcategory=line.group(2) if line else None,
        decided_on=wording.parse_date(when),
    )


def _permalinks(node: LexborNode) -> int:
    hrefs = (a.attributes.get("href") or "" for a in node.css(site.LISTING_LINK))
    return len({path for href in hrefs if (path := wording.permalink_path(href))})
