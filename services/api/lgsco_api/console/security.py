"""Who is using the console, and proof that a form was sent from one of its own pages.

The API key is typed once into a form and kept in a cookie that scripts cannot read (HttpOnly),
that the browser sends only to /console and only on requests from this site's own pages
(SameSite=Strict), and only over HTTPS when the console is served over HTTPS. An
`Authorization: Bearer` header works too. A form that changes something carries a token made
from a random per-browser cookie and the form's name (HMAC), so one form's token is no use for
another, and a page on another site can neither read the token nor make the browser send it.

The per-browser seed is itself signed with a server secret (LGSCO_CONSOLE_SECRET, or one drawn
at start-up), so a seed the client chose (planted in a cookie by a sibling site, say) is refused,
never adopted. And a form is accepted only from this site's own pages: its `Origin` (or, without
one, its `Referer`) must be this site's.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response

from lgsco_api.keys import service as keys
from lgsco_api.kit.auth import ANONYMOUS, Principal
from lgsco_api.kit.deps import SessionDep
from lgsco_shared.settings import Settings

KEY_COOKIE = "lgsco_console_key"
CSRF_COOKIE = "lgsco_console_csrf"
COOKIE_PATH = "/console"
_SEED = re.compile(r"^[A-Za-z0-9_\-]{32,64}\.[0-9a-f]{64}$")
_PROCESS_SECRET = secrets.token_bytes(32)  # when LGSCO_CONSOLE_SECRET is not set
INVALID_KEY = "The saved API key is not valid (unknown, mistyped or revoked); enter it again."


@dataclass(frozen=True, slots=True)
class Viewer:
    principal: Principal
    problem: str | None = None  # a key was sent but does not work
    from_cookie: bool = False

    @property
    def signed_in(self) -> bool:
        return self.principal.name is not None

    def can(self, scope: str) -> bool:
        return self.signed_in and self.principal.has(scope)


def _token(request: Request) -> tuple[str | None, bool]:
    header = request.headers.get("authorization")
    if header:
        scheme, _sep, token = header.partition(" ")
        return (token.strip() if scheme.lower() == "bearer" else ""), False
    cookie = request.cookies.get(KEY_COOKIE)
    return (cookie, True) if cookie else (None, False)


async def identify(request: Request, session: SessionDep) -> Viewer:
    """The key sent as a header or the console cookie, checked as the API checks it."""
    token, from_cookie = _token(request)
    viewer = Viewer(ANONYMOUS)
    if token is not None:
        key = await keys.authenticate(session, token) if token else None
        if key is None:
            viewer = Viewer(ANONYMOUS, problem=INVALID_KEY, from_cookie=from_cookie)
        else:
            if await keys.touch(session, key):
                await session.commit()
            principal = Principal(name=key.name, scopes=frozenset(key.scopes))
            viewer = Viewer(principal, from_cookie=from_cookie)
            request.state.key_name = key.name
    request.state.console_viewer = viewer
    return viewer


ViewerDep = Annotated[Viewer, Depends(identify)]


def current_viewer(request: Request) -> Viewer:
    viewer: Viewer = getattr(request.state, "console_viewer", Viewer(ANONYMOUS))
    return viewer


def may_read(viewer: Viewer, settings: Settings) -> bool:
    """Reading needs scope `read` only where the API requires keys for reads."""
    return not settings.require_api_key or viewer.can("read")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def remember_key(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        KEY_COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def forget_key(request: Request, response: Response) -> None:
    response.delete_cookie(
        KEY_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict", secure=_secure(request)
    )


def _server_secret(request: Request) -> bytes:
    settings: Settings | None = getattr(request.app.state, "settings", None)
    configured = settings.console_secret if settings is not None else None
    return configured.encode() if configured else _PROCESS_SECRET


def _signed_seed(request: Request, nonce: str) -> str:
    mac = hmac.new(_server_secret(request), b"csrf-seed:" + nonce.encode(), hashlib.sha256)
    return f"{nonce}.{mac.hexdigest()}"


def _seed_valid(request: Request, seed: str) -> bool:
    """A seed this server made: the client cannot choose one."""
    if not _SEED.match(seed):
        return False
    nonce = seed.split(".", 1)[0]
    return hmac.compare_digest(_signed_seed(request, nonce), seed)


def _seed(request: Request) -> str:
    seed: str | None = getattr(request.state, "console_csrf", None)
    if seed is None:
        given = request.cookies.get(CSRF_COOKIE, "")
        valid = _seed_valid(request, given)
        seed = given if valid else _signed_seed(request, secrets.token_urlsafe(32))
        request.state.console_csrf = seed
        request.state.console_csrf_new = not valid
    return seed


def _sign(seed: str, form: str) -> str:
    return hmac.new(seed.encode(), form.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request, form: str) -> str:
    """The token to put in `form`'s hidden field on this browser."""
    return _sign(_seed(request), form)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port or default
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


def same_origin(request: Request) -> bool:
    """Whether a form post came from this site's pages: its Origin (or, if the browser sent
    none, its Referer) is this site, as requested or as LGSCO_PUBLIC_URL names it."""
    claimed = request.headers.get("origin")
    if claimed is None or claimed == "null":
        referer = request.headers.get("referer")
        if claimed == "null" or not referer:
            return False
        claimed = referer
    origin = _origin(claimed)
    if origin is None:
        return False
    ours = {_origin(str(request.base_url))}
    settings: Settings | None = getattr(request.app.state, "settings", None)
    if settings is not None and settings.public_url:
        ours.add(_origin(settings.public_url))
    return origin in ours


def csrf_valid(request: Request, form: str, token: str | None) -> bool:
    """The form's token matches this browser's signed seed, and it came from this site."""
    seed = request.cookies.get(CSRF_COOKIE, "")
    if not token or not _seed_valid(request, seed) or not same_origin(request):
        return False
    return hmac.compare_digest(_sign(seed, form), token)


def remember_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie if this response handed out tokens made from a new seed."""
    if getattr(request.state, "console_csrf_new", False):
        response.set_cookie(
            CSRF_COOKIE,
            request.state.console_csrf,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
