"""Page furniture around the fake site's content: menus, search form, cookie banner, footer.

None of it is decision text, and the parser must leave all of it out. It is generated rather than
copied, sized so that a decision page weighs about 50 KB, as the site's pages do; the cookie
banner's wording is the site's own (from the end of seeds/000_e3082607b96d65bb.txt).
"""

from __future__ import annotations

from html import escape

# The decisions menu: category -> its subcategories.
CATEGORIES = {
    "Adult care services": "Assessment and care plan; Charging; Direct payments; "
    "Disabled facilities grants; Domiciliary care; Residential care; Safeguarding; Transport",
    "Benefits and tax": "Council tax; Council tax support; "
    "Housing benefit and council tax benefit; Business rates; COVID-19",
    "Children's care services": "Adoption; Child protection; Disabled children; Fostering; "
    "Looked after children; Special guardianship",
    "Corporate and other services": "Commercial and contracts; Council meetings and councillors",
    "Education": "Alternative provision; School admissions; School transport; "
    "Special educational needs",
    "Environment and regulation": "Antisocial behaviour; Cemeteries and crematoria; Drainage; "
    "Noise; Pollution; Refuse and recycling; Trees",
    "Housing": "Allocations; Council houses; Homelessness; Private housing",
    "Planning": "Building control; Enforcement; Planning applications",
    "Transport and highways": "Highway repair and maintenance; Parking and other penalties",
}
_PLACES = (
    "Barnsley Bedford Blackburn Bolton Bradford Brighton Bristol Bury Calderdale Cambridge "
    "Carlisle Cheshire Cornwall Coventry Croydon Cumbria Derby Devon Doncaster Dorset Dudley "
    "Durham Ealing Essex Exeter Gateshead Gloucester Hackney Halton Hampshire Harrow Hertford "
    "Hull Ipswich Kent Kirklees Knowsley Lambeth Lancashire Leeds Leicester Lewisham Lincoln "
    "Luton Medway Merton Newham Norfolk Norwich Nottingham Oldham Oxford Peterborough Plymouth "
    "Poole Portsmouth Reading Rochdale Rotherham Salford Sandwell Sefton Sheffield Slough "
    "Solihull Somerset Southwark Stockport Suffolk Sunderland Surrey Swindon Tameside Telford "
    "Thurrock Torbay Trafford Wakefield Walsall Warrington Wigan Wiltshire Wirral Worcester York"
)
_KINDS = ("City Council", "Borough Council", "County Council", "District Council")
COOKIE_TEXT = (
    "Review your privacy settings",
    "Required cookies",
    "These cookies enable the website to function properly. You can only disable these by "
    "changing your browser preferences, but this will affect how the website performs.",
    "View required cookies",
    "Analytical cookies",
    "Google Analytics cookies help us improve the performance of the website by understanding "
    "how visitors use the site. We recommend you set these 'ON'.",
    "View analytical cookies",
    "In using Google Analytics, we do not collect or store personal information that could "
    "identify you (for example your name or address). We do not allow Google to use or share "
    "our analytics data. Google has developed a tool to help you opt out of Google Analytics "
    "cookies.",
    "Privacy settings",
)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _menu() -> str:
    groups = []
    for category, subs in CATEGORIES.items():
        href = f"/decisions/{_slug(category)}"
        links = "".join(
            f'<li class="mega-menu__item"><a class="mega-menu__link" '
            f'href="{href}/{_slug(sub)}">{escape(sub)}</a></li>'
            for sub in [*subs.split("; "), "Other"]
        )
        groups.append(
            f'<li class="mega-menu__group"><a class="mega-menu__heading" href="{href}">'
            f'{escape(category)}</a><ul class="mega-menu__list">{links}</ul></li>'
        )
    councils = "".join(
        f'<li><a href="/your-councils-performance/{_slug(place)}">{place}</a></li>'
        for place in _PLACES.split()
    )
    groups.append(
        f'<li class="mega-menu__group">Your councils\' performance<ul>{councils}</ul></li>'
    )
    menu = "".join(groups)
    return f'<nav class="main-nav" aria-label="Main menu"><ul class="mega-menu">{menu}</ul></nav>'


def _organisations() -> str:
    options = "".join(f'<option value="{p} {k}">' for p in _PLACES.split() for k in _KINDS)
    return f'<datalist id="organisations">{options}</datalist>'


SEARCH_FORM = (
    '<form class="decision-search" method="get" action="/Decisions/SearchResults" role="search">'
    '<label for="q">Search decisions</label><input id="q" name="q" type="search">'
    '<label for="aname">Organisation</label><input id="aname" name="aname" list="organisations">'
    '<label for="fd">Decided from</label><input id="fd" name="fd" type="date">'
    '<label for="td">Decided to</label><input id="td" name="td" type="date">'
    "<fieldset><legend>Decision</legend>"
    + "".join(
        f'<label><input type="checkbox" name="dc" value="{code}" checked> {label}</label>'
        for code, label in (
            ("c", "Closed after initial enquiries"),
            ("nu", "Not upheld"),
            ("u", "Upheld"),
        )
    )
    + '</fieldset><select name="category"><option value="">All categories</option>'
    + "".join(f'<option value="{_slug(c)}">{escape(c)}</option>' for c in CATEGORIES)
    + '</select><button type="submit" class="button button--primary">Search</button></form>'
)
PAGINATION = (
    '<nav class="pagination" aria-label="Pages">'
    + "".join(
        f'<a class="pagination__link" href="/Decisions/SearchResults?page={n}">{n}</a>'
        for n in range(1, 11)
    )
    + '<a class="pagination__next" href="/Decisions/SearchResults?page=2">Next</a></nav>'
)
_STYLE = (
    "<style>"
    + "".join(
        f".u-m{i}{{margin:{i / 4}rem}}.u-p{i}{{padding:{i / 4}rem}}"
        f".c-{i}{{color:#{i * 37 % 4096:03x}}}"
        for i in range(120)
    )
    + "</style>"
)
_COOKIE_BANNER = (
    '<div id="cookie-banner" class="cookie-banner" role="dialog" aria-label="Cookies">'
    '<img src="/images/lgo-logogram.svg" alt="LGO logogram">'
    + "".join(f"<p>{escape(line)}</p>" for line in COOKIE_TEXT)
    + '<button type="button" class="button">Accept all</button>'
    '<button type="button" class="button">Save and close</button></div>'
)
_FOOTER_LINKS = (
    "About us", "Make a complaint", "Your councils' performance", "Contact us",
    "Accessibility", "Privacy notice", "Freedom of information", "Careers",
)  # fmt: skip
_FOOTER = (
    '<footer class="site-footer"><div class="site-footer__columns">'
    + "".join(
        f'<ul class="site-footer__list"><li><a href="/{_slug(c)}">{escape(c)}</a></li>'
        f'<li><a href="/{_slug(c)}/more">More about {escape(c.lower())}</a></li></ul>'
        for c in _FOOTER_LINKS
    )
    + '</div><p class="site-footer__address">PO Box 4771, Coventry CV4 0EH</p>'
    '<p><a href="#top">Back to top</a></p>'
    "<p>&copy; Local Government and Social Care Ombudsman</p></footer>"
)
_SCRIPTS = (
    '<script src="/scripts/vendor.min.js"></script><script src="/scripts/site.min.js"></script>'
    "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
    "gtag('js',new Date());gtag('config','G-XXXXXXX',{anonymize_ip:true});</script>"
    '<script type="application/json" id="site-config">{"search":{"pageSize":10,"categories":['
    + ",".join(f'{{"name":"{c}","slug":"{_slug(c)}"}}' for c in CATEGORIES)
    + "]}}</script>"
)
# Icon sprite: decorative path data, as the site's header carries.
_ICONS = "".join(
    f'<symbol id="icon-{i}" viewBox="0 0 24 24"><path d="'
    + " ".join(
        f"M{(i * 7 + k) % 24} {(i * 3 + k * 5) % 24}l{k % 5}.{i % 9} {k % 7}.5" for k in range(24)
    )
    + '"/></symbol>'
    for i in range(20)
)
_HEADER = (
    f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{_ICONS}</svg>'
    '<a class="skip-link" href="#main-content">Skip to main content</a>'
    '<header class="site-header"><a class="site-header__logo" href="/">'
    '<img src="/images/lgo-logo.svg" alt="Local Government and Social Care Ombudsman"></a>'
    '<form class="site-search" action="/search" role="search">'
    f'<input name="q" list="organisations">{_organisations()}<button>Search</button></form>'
    f"{_menu()}</header>"
)


def page(head: str, content: str, *, wrap: str) -> str:
    """A whole page: `content` in `<main id="main-content">` (or a bare `<div>`) amid furniture."""
    main = (
        f"<div>{content}</div>"
        if wrap == "div"
        else f'<{wrap} id="main-content">{content}</{wrap}>'
    )
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head>{head}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="/styles/site.min.css">'
        f"{_STYLE}</head><body>{_HEADER}"
        '<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Home</a> '
        f'<a href="/decisions">Decisions</a></nav>{main}'
        '<aside class="related"><h2>Related decisions</h2><p><a href="/decisions/housing/'
        'homelessness/21-000-001">Example Borough Council (21 000 001)</a></p></aside>'
        f"{_FOOTER}{_COOKIE_BANNER}{_SCRIPTS}</body></html>"
    )
