"""Who is using the console, and proof that a form was sent from one of its own pages.

The API key is typed once into a form and kept in a cookie that scripts cannot read (HttpOnly),
that the browser sends only to /console and only on requests from this site's own pages
(SameSite=Strict), and only over HTTPS when the console is served over HTTPS. An
`Authorization: Bearer` header works too. A form that changes something carries a token made
from a random per-browser cookie and the form's name (HMAC), so one form's token is no use for
another, and a page on another site can neither read the token nor make the browser send it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from lgsco_api.keys import service as keys
from lgsco_api.kit.auth import ANONYMOUS, Principal
from lgsco_api.kit.deps import SessionDep
from lgsco_shared.settings import Settings

KEY_COOKIE = "lgsco_console_key"
CSRF_COOKIE = "lgsco_console_csrf"
COOKIE_PATH = "/console"
_SEED = re.compile(r"^[A-Za-z0-9_\-]{32,64}$")
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


def _seed(request: Request) -> str:
    seed: str | None = getattr(request.state, "console_csrf", None)
    if seed is None:
        given = request.cookies.get(CSRF_COOKIE, "")
        seed = given if _SEED.match(given) else secrets.token_urlsafe(32)
        request.state.console_csrf = seed
        request.state.console_csrf_new = seed != given
    return seed


def _sign(seed: str, form: str) -> str:
    return hmac.new(seed.encode(), form.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request, form: str) -> str:
    """The token to put in `form`'s hidden field on this browser."""
    return _sign(_seed(request), form)


def csrf_valid(request: Request, form: str, token: str | None) -> bool:
    seed = request.cookies.get(CSRF_COOKIE, "")
    if not token or not _SEED.match(seed):
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
