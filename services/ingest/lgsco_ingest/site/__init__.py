"""Everything the scraper knows about the LGSCO site's addresses and markup, in one place.

Site: https://www.lgo.org.uk (configurable as LGSCO_SITE_URL; tests use a fake site on 127.0.0.1).
When the site changes its templates, this module (and site/parse.py, which reads these
selectors) is the one place to fix.

History:
- 2026-11 first version, from stored pages: decision inside `article#article`, header as
  `.label`/`.value` pairs; search at /Decisions/SearchResults, 10 results a page.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

# --- Addresses -------------------------------------------------------------------------------

DECISIONS_HOME = "/decisions"  # visited first to prime the session (cookies) before searching
SEARCH_PATH = "/Decisions/SearchResults"
RESULTS_PER_PAGE = 10

# Query parameters of the search. The keyword parameter is not confirmed on the real site.
PARAM_FROM = "fd"
PARAM_TO = "td"
PARAM_PAGE = "page"
PARAM_ORGANISATION = "aname"
PARAM_DECISION_CODES = "dc"
PARAM_SORT = "sortOrder"
PARAM_KEYWORD = "q"
ALL_DECISION_CODES = "c+nu+u+"  # closed after initial enquiries, not upheld, upheld

# Browser-like headers: the search has served an empty shell to clients that look like bots.
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_LANGUAGE = "en-GB,en;q=0.9"


def search_path(
    *, decided_from: date, decided_to: date, page: int = 1, organisation: str | None = None
) -> str:
    """Path and query of one page of the date-window search, oldest first."""
    params: dict[str, str] = {
        PARAM_FROM: decided_from.isoformat(),
        PARAM_TO: decided_to.isoformat(),
        PARAM_DECISION_CODES: ALL_DECISION_CODES,
        PARAM_SORT: "ascending",
        PARAM_PAGE: str(page),
    }
    if organisation:
        params[PARAM_ORGANISATION] = organisation
    return f"{SEARCH_PATH}?{urlencode(params, safe='+')}"


def keyword_search_path(keyword: str) -> str:
    """Path and query of a keyword search: how a reference is found when its permalink is not."""
    return f"{SEARCH_PATH}?{urlencode({PARAM_KEYWORD: keyword})}"


# --- Selectors -------------------------------------------------------------------------------
# Read by site/parse.py (pure parsing). Fallbacks for other template shapes live there too.

ARTICLE = "article#article"
HEADER_LABEL = ".label"
HEADER_VALUE = ".value"
LISTING_RESULT_COUNT_TEXT = "Your search has"  # "Your search has 1,234 results"
HEADER_LABEL_CLASS = HEADER_LABEL.removeprefix(".")  # "label"
HEADER_TERM = "dt"  # other templates: `<dl><dt>Category</dt><dd>A > B</dd>...</dl>`
HEADER_DEFINITION = "dd"
HEADER_PAIRS = f"{HEADER_LABEL}, {HEADER_VALUE}, {HEADER_TERM}, {HEADER_DEFINITION}"
# The decision container if the page has no ARTICLE, most specific first: the first one whose
# text holds a `(YY NNN NNN)` title wins, else the whole body (CHROME removed either way).
ARTICLE_FALLBACKS = ("article", "main", "[role=main]")
# Headings, and bold text that may fill a paragraph: `<p><strong>The complaint</strong></p>`.
HEADINGS = "h1, h2, h3, h4, h5, h6, p > strong, p > b"
# Page furniture removed from the container before its text is read, in two passes: the big
# blocks first, so that the second pass (each selector costs a walk of what is left, ~10 us over
# a whole 50 KB page) runs over far fewer nodes.
CHROME_CONTENTLESS = ("script", "style", "noscript", "template", "iframe", "svg", "button")
CHROME_BULK = "nav, form, footer, aside, body > header, svg"
CHROME = ", ".join(CHROME_CONTENTLESS) + (
    ", [hidden], [role=navigation], [id*=cookie i], [class*=cookie i]"
)
# ...except a wrapper holding the decision: ASP.NET pages put the whole page in one <form>, and
# consent tools mark a page wrapper with a class such as "cookie-consent-given".
CHROME_UNLESS_HOLDS = "article, main, h1"
# Unwrapped, and adjacent text merged, so that a paragraph with links or emphasis is one line.
INLINE = "a, span, strong, b, em, i, u, abbr, small, sup, sub, cite, q, mark, time, font, img, wbr"
LISTING_LINK = "a[href]"  # a result's title links to its permalink /decisions/{cat}/{sub}/{ref}
