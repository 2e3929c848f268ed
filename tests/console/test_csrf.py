"""Console forms: the per-browser CSRF seed is signed by the server, so a seed the client chose
(a cookie planted by a sibling site) is refused and replaced; and a form is accepted only from
the site's own pages, by its Origin or, without one, its Referer."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.console import security
from tests.console.conftest import RUN_PATH, csrf, page, send_form
from tests.console.test_act import run_count, sign_in, token_of

PLANTED = "A" * 43  # a seed of the old shape, chosen by the attacker


def forged_token(seed: str, form: str) -> str:
    return hmac.new(seed.encode(), form.encode(), hashlib.sha256).hexdigest()


async def test_a_seed_the_client_chose_is_refused_and_replaced(
    own_site: AsyncClient, make_key: Any, session: AsyncSession
) -> None:
    await sign_in(own_site, await token_of(make_key, "jobs:write"))
    before = await run_count(session)
    own_site.cookies.set(security.CSRF_COOKIE, PLANTED, path="/console")
    response = await send_form(
        own_site,
        "/console/jobs",
        {
            "csrf": forged_token(PLANTED, "job"),
            "kind": "ingest_reference",
            "reference": "22 003 374",
        },
    )
    assert response.status_code == 403
    assert await run_count(session) == before
    # A page hands out a seed of the server's making instead of adopting the planted one.
    shown = await own_site.get("/console/jobs")
    issued = shown.cookies.get(security.CSRF_COOKIE)
    assert issued and issued != PLANTED
    nonce, mac = issued.split(".")
    assert len(mac) == 64 and len(nonce) >= 32
    assert csrf(page(shown), "#ingest-form") == forged_token(issued, "job")


async def test_a_seed_signed_with_another_secret_is_refused(
    own_site: AsyncClient, make_key: Any
) -> None:
    await sign_in(own_site, await token_of(make_key, "jobs:write"))
    nonce = "B" * 43
    other = hmac.new(b"not the server's", b"csrf-seed:" + nonce.encode(), hashlib.sha256)
    seed = f"{nonce}.{other.hexdigest()}"
    own_site.cookies.set(security.CSRF_COOKIE, seed, path="/console")
    response = await send_form(
        own_site,
        "/console/jobs",
        {"csrf": forged_token(seed, "job"), "kind": "ingest_reference", "reference": "22 003 374"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("headers", "accepted"),
    [
        ({"origin": "http://test"}, True),
        ({"origin": "https://evil.example"}, False),
        ({"origin": "http://test.evil.example"}, False),
        ({"origin": "http://test:8080"}, False),  # another port is another origin
        ({"origin": "null"}, False),  # sandboxed frames, data: URLs
        ({"origin": "", "referer": "http://test/console/jobs"}, True),
        ({"origin": "", "referer": "https://evil.example/page"}, False),
        ({"origin": "", "referer": ""}, False),
    ],
)
async def test_forms_are_accepted_from_this_site_only(
    own_site: AsyncClient,
    make_key: Any,
    session: AsyncSession,
    queued: list[int],
    headers: dict[str, str],
    accepted: bool,
) -> None:
    await sign_in(own_site, await token_of(make_key, "jobs:write"))
    tree = page(await own_site.get("/console/jobs"))
    data = {
        "csrf": csrf(tree, "#ingest-form"),
        "kind": "ingest_reference",
        "reference": "22 003 374",
    }
    sent = {k: v for k, v in headers.items() if v}
    before = await run_count(session)
    response = await own_site.post(
        "/console/jobs",
        content="&".join(f"{k}={v.replace(' ', '+')}" for k, v in data.items()),
        headers={"content-type": "application/x-www-form-urlencoded", **sent},
    )
    if accepted:
        assert response.status_code == 303, response.text
        assert await run_count(session) == before + 1
        submitted = RUN_PATH.match(response.headers["location"])
        assert submitted is not None
        queued.append(int(submitted.group(1)))
    else:
        assert response.status_code == 403
        assert await run_count(session) == before
