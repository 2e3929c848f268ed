"""How LGSCO pages word things, read line by line: titles, header lines, dates, URL slugs.

No DOM here: site/parse.py turns a page into lines (one block of text a line) and this module
reads them. Every pattern quotes the real text it handles; see lgsco.py for the page history.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from lgsco_ingest import site
from lgsco_ingest.site.records import ParseError, Section
from lgsco_shared.references import normalise

LOOKAHEAD = 80  # lines searched for the title and then the summary (breadcrumbs, header, TOC)
LABELS = frozenset({"category", "decision", "decision date"})

_REF = r"[0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{3}"  # ASCII digits: \d would also take "٢٢ ٠٠٣ ٣٧٤"
# "The Grange Care Centre (Cheltenham) Limited (23 013 400)": the last group is the reference
TITLE_REF = re.compile(rf"\(\s*({_REF})\s*\)")
_JOINER = re.compile(r"^(?:\s*(?:[,;&]|and\b))+\s*", re.IGNORECASE)  # "A (ref), B (ref)"
# /decisions/adult-care-services/assessment-and-care-plan/22-003-374
_SLUGS = re.compile(r"/decisions/([a-z0-9-]+)/([a-z0-9-]+)/([0-9]{2}-[0-9]{3}-[0-9]{3})", re.I)
# "Category : Adult care services > Assessment and care plan", "Decision : Upheld"
_HEADER_LINE = re.compile(r"^(category|decision date|decision)\s*:\s*(.+)$", re.I)
_PREFACE = "the ombudsman's final decision"  # "The Ombudsman's final decision:"
_SUMMARY = re.compile(r"^summary(?:\s*:\s*|$)(.*)$", re.I)  # "Summary: We will not investigate ..."
_SKIP_LINES = frozenset({"back to top"})
_END_LINES = frozenset({"print this page", "review your privacy settings"})  # seed page's end
_KNOWN_HEADINGS = frozenset(
    {
        "the complaint", "the ombudsman's role and powers", "what i have investigated",
        "what i have and have not investigated", "what i have not investigated",
        "how i considered this complaint", "my assessment", "what i found", "analysis",
        "agreed action", "action", "recommended action", "final decision", "decision",
    }
)  # fmt: skip
_DATE = re.compile(r"^([0-9]{1,2})[ -]([a-z]{3,9})\.?[ -]([0-9]{4})$", re.I)  # "24 Aug 2022"
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {key: i for i, name in enumerate(_MONTH_NAMES, 1) for key in (name, name[:3])}
_MONTHS["sept"] = 9  # "5 Sept 2023"
# "Your search has 1,234 results", "Your search has 1 result"
RESULT_COUNT = re.compile(
    re.escape(site.LISTING_RESULT_COUNT_TEXT) + r"\s+([0-9][0-9,]*|no)\s+results?\b", re.I
)
_RESULT_DATE = r"[0-9]{1,2}-[a-z]{3,9}-[0-9]{4}"  # "27-Apr-2026"
RESULT_DATE = re.compile(rf"\b{_RESULT_DATE}\b", re.I)
# "Statement Upheld Homelessness 27-Apr-2026": statement or report, outcome, subcategory, date
RESULT_LINE = re.compile(
    r"\b(?:Statement|Report)\s+(Closed after initial enquiries|Not upheld|Upheld)\s+"
    rf"(.{{1,120}}?)\s+({_RESULT_DATE})\b",
    re.I,
)

Title = list[tuple[str, str]]  # [(organisation, reference as written), ...]


def clean(text: str) -> str:
    return " ".join(text.split())


def split_title(line: str) -> Title | None:
    """`A (Bath) Ltd (22 003 374)`, `A (22 003 374), B (22 003 380)`: ref = last group."""
    if len(line) > 400 or not line.endswith(")"):
        return None
    groups, start = [], 0
    for match in TITLE_REF.finditer(line):
        groups.append((_JOINER.sub("", line[start : match.start()]).strip(), match.group(1)))
        start = match.end()
    return groups if groups and start == len(line) else None


def find_summary(
    lines: list[str], start: int, headings: Counter[str], url: str
) -> tuple[str, int, int, list[str]]:
    """(summary, its line index, where body_text starts, warnings), searching from `start`."""
    preface = None
    for i in range(start, min(len(lines), start + LOOKAHEAD)):
        if (match := _SUMMARY.match(lines[i])) is not None:
            text = match.group(1).strip()
            at = i if text else i + 1  # "Summary:" alone, the text in the next block
            if text or (at < len(lines) and not is_heading(lines[at], headings, consume=False)):
                return text or lines[at], at, i if preface is None else preface, []
            break
        if lines[i].rstrip(":").lower().replace("’", "'") == _PREFACE:
            preface = i
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if nxt and not _SUMMARY.match(nxt) and not is_heading(nxt, headings, consume=False):
                return nxt, i + 1, i, ["summary has no 'Summary:' prefix"]
    raise ParseError("no summary ('Summary: ...'): not a decision page", url=url)


def header_fields(lines: list[str], headings: Counter[str]) -> dict[str, str]:
    """`Category : A > B` lines, or a label line (`Category`) followed by its value line."""
    fields: dict[str, str] = {}
    label: str | None = None
    for line in lines:
        if (match := _HEADER_LINE.match(line)) is not None:
            fields.setdefault(match.group(1).lower(), match.group(2))
            label = None
        elif (key := line.rstrip(": ").lower()) in LABELS:
            label = key
        elif label is not None and line not in headings:  # not a table-of-contents entry
            fields.setdefault(label, line)
            label = None
    return fields


def pick_reference(title: Title, url: str) -> tuple[str, list[str]]:
    """The title's reference that matches the URL's, else the title's first."""
    refs = [normalise(ref) for _, ref in title]
    slugs = _SLUGS.search(url[:2000])
    url_ref = normalise(slugs.group(3)) if slugs else None
    if url_ref is None or url_ref in refs:
        return url_ref or refs[0], []
    return refs[0], [f"title reference {refs[0]} differs from the URL's {url_ref}"]


def split_category(value: str | None, url: str) -> tuple[str | None, str | None, list[str]]:
    """`Adult care services > Assessment and care plan`; what is missing comes from URL slugs."""
    category, _, subcategory = (value or "").partition(">")
    found = [category.strip() or None, subcategory.strip() or None]
    slugs = _SLUGS.search(url[:2000])
    warnings = []
    for i, name in enumerate(("category", "subcategory")):
        if found[i] is None and slugs is not None:
            found[i] = slug_words(slugs.group(i + 1))
            warnings.append(f"{name} read from the URL slug {slugs.group(i + 1)!r}")
        elif found[i] is None:
            warnings.append(f"no {name} on the page or in the URL")
    return found[0], found[1], warnings


def slug_words(slug: str) -> str:
    """`children-s-care-services` -> `Children's care services` (a lone `s` is a possessive)."""
    words: list[str] = []
    for part in slug.lower().split("-"):
        if part == "s" and words:
            words[-1] += "'s"
        elif part:
            words.append(part)
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def decision_date(value: str | None) -> tuple[date | None, list[str]]:
    if value is None:
        return None, ["no decision date ('Decision date : ...') on the page"]
    if (parsed := parse_date(value)) is None:
        return None, [f"decision date {value[:40]!r} not understood"]
    return parsed, []


def parse_date(value: str) -> date | None:
    """`24 Aug 2022`, `24 August 2022`, `27-Apr-2026`; None for anything else."""
    match = _DATE.match(value.strip())
    month = _MONTHS.get(match.group(2).lower()) if match else None
    if match is None or month is None:
        return None
    try:
        return date(int(match.group(3)), month, int(match.group(1)))
    except ValueError:  # "31 Feb 2022"
        return None


def permalink_path(href: str) -> str | None:
    """`https://www.lgo.org.uk/decisions/a/b/22-003-374?displaypref=0` -> `/decisions/a/b/...`."""
    match = _SLUGS.search(href[:2000])
    return match.group(0).lower() if match is not None else None


def body_lines(lines: list[str], start: int) -> list[str]:
    """Lines from `start` to the end of the decision, without `Back to top`."""
    body = []
    for line in lines[start:]:
        key = line.lower()
        if key in _END_LINES:
            break
        if key not in _SKIP_LINES:
            body.append(line)
    return body


def sections(lines: list[str], headings: Counter[str]) -> tuple[Section, ...]:
    """Every heading starts a section; text before the first one goes under heading ''."""
    found: list[Section] = []
    heading: str | None = None
    paragraphs: list[str] = []
    for line in lines:
        if is_heading(line, headings):
            if heading is not None or paragraphs:
                found.append(Section(heading or "", tuple(paragraphs)))
            heading, paragraphs = line, []
        else:
            paragraphs.append(line)
    if heading is not None or paragraphs:
        found.append(Section(heading or "", tuple(paragraphs)))
    return tuple(found)


def is_heading(line: str, headings: Counter[str], *, consume: bool = True) -> bool:
    """A heading element's text (each one counted once), or a known heading in plain text."""
    if headings[line] > 0:
        if consume:
            headings[line] -= 1
        return True
    return line.lower().replace("’", "'") in _KNOWN_HEADINGS
