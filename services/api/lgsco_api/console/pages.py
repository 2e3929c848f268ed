"""Pages: the Jinja2 templates, the filters they print numbers and dates with, `render` (which
adds what every page needs: who is signed in, CSRF tokens, security headers) and error pages."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from lgsco_api.console import security
from lgsco_shared.domain import ATTRIBUTION, Outcome
from lgsco_shared.settings import Settings

HERE = Path(__file__).resolve().parent  # through the editable install's links, if any
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_URL = "/console/static"
TITLE = "Operations console"

OUTCOME_NAMES: dict[str, str] = {
    Outcome.UPHELD: "Upheld",
    Outcome.NOT_UPHELD: "Not upheld",
    Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: "Closed after initial enquiries",
}

# No inline script or style anywhere, so the console works under a strict policy.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def number(value: int | float | None) -> str:
    return "—" if value is None else f"{value:,}"


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def day(value: date | None) -> str:
    return "—" if value is None else f"{value.day} {value:%b %Y}"


def moment(value: datetime | None) -> str:
    if value is None:
        return "—"
    utc = value.astimezone(UTC) if value.tzinfo else value  # stored times are UTC
    return f"{utc:%Y-%m-%d %H:%M:%S} UTC"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {rest} s"


def outcome(value: str | None) -> str:
    if value is None:
        return "Not stated"
    return OUTCOME_NAMES.get(value, value)


def words(value: str | None) -> str:
    """'not_found' -> 'not found': enum values as prose."""
    return "" if value is None else str(value).replace("_", " ")


def marked(snippet: str | None) -> Markup:
    """ts_headline output with only its own <mark> tags kept; everything else escaped."""
    escaped = str(Markup.escape(snippet or ""))
    kept = escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
    return Markup(kept)  # noqa: S704 - only <mark> unescaped  # nosec B704


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _asset_versions() -> dict[str, str]:
    """Static file -> a short hash of its bytes, so a changed file gets a new URL."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10]
        for p in STATIC.iterdir()
        if p.is_file()
    }


_VERSIONS = _asset_versions()


def asset(name: str) -> str:
    return f"{STATIC_URL}/{name}?v={_VERSIONS.get(name, '0')}"


env.globals.update(asset=asset, attribution=ATTRIBUTION)
env.filters.update(
    number=number,
    rate=rate,
    day=day,
    moment=moment,
    duration=duration,
    outcome=outcome,
    words=words,
    marked=marked,
)


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    values = {
        "request": request,
        "site_title": TITLE,
        "viewer": security.current_viewer(request),
        "csrf": lambda form: security.csrf_token(request, form),
        "page_refresh": None,
        **context,
    }
    html = env.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code, headers=HEADERS)
    security.remember_csrf(request, response)
    return response


def fragment(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    """A piece of a page, for the progress poller."""
    html = env.get_template(template).render({"request": request, **context})
    return HTMLResponse(html, headers=HEADERS)


def error(
    request: Request, status_code: int, title: str, message: str, **context: Any
) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "section": None, **context},
        status_code=status_code,
    )


def not_found(request: Request, what: str, hint: str = "") -> HTMLResponse:
    return error(request, 404, f"No {what}", f"No {what} is stored. {hint}".strip())


class Refusal(Exception):
    """The viewer may not read this page: the answer is the sign-in page (`ReaderDep`)."""

    def __init__(self, response: HTMLResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


async def reader(request: Request, viewer: security.ViewerDep) -> security.Viewer:
    """The viewer of a page of decision data: one who may read it, or a `Refusal`."""
    if (refusal := refuse_read(request, viewer)) is not None:
        raise Refusal(refusal)
    return viewer


ReaderDep = Annotated[security.Viewer, Depends(reader)]


def refuse_read(request: Request, viewer: security.Viewer) -> HTMLResponse | None:
    """A sign-in page where this deployment requires a `read` key and none was given."""
    settings: Settings = request.app.state.settings
    if security.may_read(viewer, settings):
        return None
    message = viewer.problem or (
        "This deployment requires an API key with scope 'read' for decision data. "
        "Enter your key below; it is kept in a cookie for this console only."
    )
    return error(request, 401, "API key needed", message, ask_key=True)
