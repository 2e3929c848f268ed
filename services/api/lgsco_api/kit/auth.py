"""Who is calling and what they may do: bearer API keys with scopes.

Public decision data and statistics are open unless `require_api_key` is set; council data
(remedy tracking and its statistics, runs, failures and the raw pages they keep) needs a key with
scope `read` whatever that setting; writes always need their scope, and `admin` holds every
scope. A token that is sent but not valid is refused even on open endpoints, so a council
learns its key is wrong instead of silently reading as anonymous.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBearer

from lgsco_api.keys import service as keys
from lgsco_api.kit.deps import SessionDep, SettingsDep
from lgsco_api.kit.errors import Problem
from lgsco_api.kit.ratelimit import RateLimiter

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="`Authorization: Bearer lgsco_<prefix>_<secret>`, from `lgsco keys create`.",
)


@dataclass(frozen=True, slots=True)
class Principal:
    name: str | None  # None: anonymous
    scopes: frozenset[str]

    def has(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


ANONYMOUS = Principal(name=None, scopes=frozenset())


def _unauthorized(detail: str) -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="lgsco"'})


async def get_principal(
    request: Request, session: SessionDep, _: Annotated[object, Depends(bearer)] = None
) -> Principal:
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    limiter: RateLimiter = request.app.state.rate_limiter
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        await limiter.settle(request, key_id=None)
        raise _unauthorized("Send the API key as 'Authorization: Bearer lgsco_<prefix>_<secret>'.")
    key = await keys.authenticate(session, token.strip())
    if key is None:
        await limiter.settle(request, key_id=None)
        raise _unauthorized("The API key is not valid (unknown, mistyped or revoked).")
    await limiter.settle(request, key_id=key.id)
    principal = Principal(name=key.name, scopes=frozenset(key.scopes))
    if await keys.touch(session, key):
        await session.commit()
    request.state.key_name = principal.name
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(
    scope: str, *, always: bool = False, also: tuple[str, ...] = ()
) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller must hold `scope` (`read` only when settings require keys, unless
    `always`: council data needs a key even where public decision data is open), or one of
    `also` (a key that may change remedies may read them)."""

    async def check(
        principal: PrincipalDep,
        settings: SettingsDep,
        # Names the scope in the operation's OpenAPI security (see lgsco_api.kit.openapi).
        _: object = Security(bearer, scopes=[scope]),
    ) -> Principal:
        if scope == "read" and not settings.require_api_key and not always:
            return principal
        if principal.name is None:
            raise _unauthorized(f"This needs an API key with scope '{scope}'.")
        if not principal.has(scope) and not any(principal.has(s) for s in also):
            raise Problem(403, f"The API key '{principal.name}' lacks the scope '{scope}'.")
        return principal

    check.scope = scope  # type: ignore[attr-defined]  # tests/api/test_access.py reads it
    check.always = always  # type: ignore[attr-defined]
    check.also = also  # type: ignore[attr-defined]
    return check


ReadDep = Annotated[Principal, Depends(require("read"))]
# Council data: remedy tracking (reads included), runs, failures and raw pages.
RemediesReadDep = Annotated[
    Principal, Depends(require("read", always=True, also=("remedies:write",)))
]
RunsReadDep = Annotated[Principal, Depends(require("read", always=True, also=("jobs:write",)))]
RemediesWriteDep = Annotated[Principal, Depends(require("remedies:write"))]
JobsWriteDep = Annotated[Principal, Depends(require("jobs:write"))]
AdminDep = Annotated[Principal, Depends(require("admin"))]
