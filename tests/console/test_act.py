"""Requesting jobs from the console: the key kept in a strict cookie, a CSRF token per form,
and the same run as POST /v1/jobs records and queues."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.models import IngestRun
from lgsco_shared.queue import QUEUE_NAME
from tests.api.conftest import _client
from tests.console.conftest import RUN_PATH, console_app, csrf, page, send_form, text


async def token_of(make_key: Any, *scopes: str) -> str:
    headers = await make_key(*scopes)
    return str(headers["Authorization"]).removeprefix("Bearer ")


async def sign_in(client: AsyncClient, token: str, back: str = "/console/jobs") -> None:
    tree = page(await client.get("/console/key"))
    response = await send_form(
        client, "/console/key", {"csrf": csrf(tree, ".key-form"), "key": token, "next": back}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == back


async def run_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(IngestRun)) or 0)


class TestKey:
    async def test_is_kept_in_an_http_only_strict_cookie_for_the_console_only(
        self, own_site: AsyncClient, make_key: Any
    ) -> None:
        token = await token_of(make_key, "jobs:write")
        tree = page(await own_site.get("/console/key"))
        response = await send_form(
            own_site,
            "/console/key",
            {"csrf": csrf(tree, ".key-form"), "key": token, "next": "/console/jobs"},
        )
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("lgsco_console_key=")
        )
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite=strict", "path=/console"} <= attributes
        tree = page(await own_site.get("/console/key"))
        assert "test-jobs:write" in text(tree.css_first("#key-status"))
        assert "jobs:write" in text(tree.css_first(".who"))

    async def test_a_wrong_key_is_refused_and_not_kept(self, own_site: AsyncClient) -> None:
        tree = page(await own_site.get("/console/key"))
        response = await send_form(
            own_site,
            "/console/key",
            {"csrf": csrf(tree, ".key-form"), "key": "lgsco_nope", "next": "/console/jobs"},
        )
        assert response.status_code == 401
        assert "lgsco_console_key" not in response.headers.get("set-cookie", "")
        assert page(response).css_first("#field-key-error") is not None

    async def test_can_be_forgotten(self, own_site: AsyncClient, make_key: Any) -> None:
        await sign_in(own_site, await token_of(make_key, "read"), back="/console/key")
        tree = page(await own_site.get("/console/key"))
        forget = tree.css_first("form[action='/console/key/forget'] input[name=csrf]")
        assert forget is not None
        response = await send_form(
            own_site, "/console/key/forget", {"csrf": str(forget.attributes["value"])}
        )
        assert response.status_code == 303
        assert (
            'lgsco_console_key=""' in response.headers["set-cookie"]
            or "Max-Age=0" in response.headers["set-cookie"]
        )

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/v1/jobs"])
    async def test_only_returns_to_console_pages(
        self, own_site: AsyncClient, make_key: Any, target: str
    ) -> None:
        tree = page(await own_site.get("/console/key"))
        response = await send_form(
            own_site,
            "/console/key",
            {
                "csrf": csrf(tree, ".key-form"),
                "key": await token_of(make_key, "read"),
                "next": target,
            },
        )
        assert response.headers["location"] == "/console/key"


class TestCsrf:
    async def test_a_form_without_its_token_changes_nothing(
        self, own_site: AsyncClient, make_key: Any, session: AsyncSession
    ) -> None:
        await sign_in(own_site, await token_of(make_key, "jobs:write"))
        before = await run_count(session)
        for token in ("", "forged", None):
            data = {"kind": "ingest_reference", "reference": "22 003 374"}
            if token is not None:
                data["csrf"] = token
            response = await send_form(own_site, "/console/jobs", data)
            assert response.status_code == 403
        assert await run_count(session) == before

    async def test_a_token_for_one_form_does_not_work_for_another(
        self, own_site: AsyncClient, make_key: Any, session: AsyncSession
    ) -> None:
        await sign_in(own_site, await token_of(make_key, "jobs:write"))
        tree = page(await own_site.get("/console/key"))
        key_token = csrf(tree, ".key-form")
        response = await send_form(
            own_site,
            "/console/jobs",
            {"csrf": key_token, "kind": "ingest_reference", "reference": "22 003 374"},
        )
        assert response.status_code == 403

    async def test_another_browser_token_does_not_work(
        self,
        own_site: AsyncClient,
        database_url: str,
        redis_url: str,
        session: AsyncSession,
        make_key: Any,
    ) -> None:
        token = await token_of(make_key, "jobs:write")
        stolen = csrf(page(await own_site.get("/console/jobs")), "#ingest-form")
        async for other in _client(console_app(database_url, redis_url, session)):
            await sign_in(other, token)
            response = await send_form(
                other,
                "/console/jobs",
                {"csrf": stolen, "kind": "ingest_reference", "reference": "22 003 374"},
            )
            assert response.status_code == 403

    async def test_only_urlencoded_forms_are_read(self, own_site: AsyncClient) -> None:
        response = await own_site.post("/console/jobs", json={"kind": "ingest_reference"})
        assert response.status_code == 400


class TestSubmitJob:
    async def test_needs_a_key_with_jobs_write(
        self, own_site: AsyncClient, make_key: Any, session: AsyncSession
    ) -> None:
        before = await run_count(session)
        tree = page(await own_site.get("/console/jobs"))
        assert tree.css_first("#needs-key") is not None
        data = {
            "csrf": csrf(tree, "#ingest-form"),
            "kind": "ingest_reference",
            "reference": "22 003 374",
        }
        assert (await send_form(own_site, "/console/jobs", data)).status_code == 401
        await sign_in(own_site, await token_of(make_key, "read"))
        response = await send_form(own_site, "/console/jobs", data)
        assert response.status_code == 403
        assert "jobs:write" in text(page(response).css_first("#message"))
        assert await run_count(session) == before

    async def test_records_and_queues_the_run_the_api_would(
        self,
        own_site: AsyncClient,
        make_key: Any,
        queued: list[int],
        redis_url: str,
    ) -> None:
        token = await token_of(make_key, "jobs:write")
        await sign_in(own_site, token)
        tree = page(await own_site.get("/console/jobs"))
        response = await send_form(
            own_site,
            "/console/jobs",
            {
                "csrf": csrf(tree, "#ingest-form"),
                "kind": "ingest_reference",
                "reference": "22003374",
            },
        )
        assert response.status_code == 303, response.text
        match = RUN_PATH.match(response.headers["location"])
        assert match is not None and match.group(2) == "new"
        run_id = int(match.group(1))
        queued.append(run_id)
        api = await own_site.post(
            "/v1/jobs",
            json={"kind": "ingest_reference", "reference": "22 003 374"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert api.status_code == 202
        assert api.json()["id"] == run_id and api.json()["created"] is False
        assert api.json()["params"] == {"kind": "ingest_reference", "reference": "22 003 374"}
        redis = Redis.from_url(redis_url)
        assert await redis.zscore(QUEUE_NAME, f"run:{run_id}") is not None
        await redis.aclose()
        shown = page(await own_site.get(response.headers["location"]))
        assert "queued" in text(shown.css_first("#run-status"))
        assert "recorded as run" in text(shown.css_first("#run-notice"))

    async def test_a_crawl_window_is_the_same_request_as_the_api_crawl(
        self, own_site: AsyncClient, make_key: Any, queued: list[int]
    ) -> None:
        token = await token_of(make_key, "jobs:write")
        await sign_in(own_site, token)
        body = {
            "kind": "crawl",
            "from": "2024-01-01",
            "to": "2024-01-31",
            "organisation": "Kent County Council",
        }
        api = await own_site.post(
            "/v1/jobs", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        queued.append(api.json()["id"])
        tree = page(await own_site.get("/console/jobs"))
        response = await send_form(
            own_site, "/console/jobs", {"csrf": csrf(tree, "#crawl-form"), **body}
        )
        match = RUN_PATH.match(response.headers["location"])
        assert match is not None
        assert int(match.group(1)) == api.json()["id"] and match.group(2) == "existing"

    async def test_the_refresh_box_is_the_api_refresh(
        self, own_site: AsyncClient, make_key: Any, queued: list[int]
    ) -> None:
        token = await token_of(make_key, "jobs:write")
        await sign_in(own_site, token)
        body = {"kind": "crawl", "from": "2024-03-01", "to": "2024-04-30", "refresh": True}
        api = await own_site.post(
            "/v1/jobs", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        queued.append(api.json()["id"])
        assert api.json()["params"]["refresh"] is True
        tree = page(await own_site.get("/console/jobs"))
        assert tree.css_first("#crawl-form input[name=refresh][type=checkbox]") is not None
        form = {"csrf": csrf(tree, "#crawl-form"), "kind": "crawl", "from": "2024-03-01"}
        plain = await send_form(own_site, "/console/jobs", form | {"to": "2024-04-30"})
        refreshed = await send_form(
            own_site, "/console/jobs", form | {"to": "2024-04-30", "refresh": "1"}
        )
        plain_run, refresh_run = (RUN_PATH.match(r.headers["location"]) for r in (plain, refreshed))
        assert plain_run is not None and refresh_run is not None
        queued.append(int(plain_run.group(1)))
        assert int(refresh_run.group(1)) == api.json()["id"] and refresh_run.group(2) == "existing"
        assert int(plain_run.group(1)) != api.json()["id"] and plain_run.group(2) == "new"
        shown = page(await own_site.get(refreshed.headers["location"]))
        assert "re-reading months already crawled" in text(shown.css_first(".lead"))

    @pytest.mark.parametrize(
        "data, field",
        [
            ({"kind": "ingest_reference", "reference": "22 003 37"}, "reference"),
            ({"kind": "ingest_reference", "reference": ""}, "reference"),
            ({"kind": "crawl", "from": "2024-02-01", "to": "2024-01-01"}, "to"),
            ({"kind": "crawl", "from": "2024-02-01"}, "to"),
            ({"kind": "crawl", "from": "yesterday", "to": "2024-01-01"}, "from"),
            ({"kind": "crawl", "from": "2030-01-01", "to": "2030-02-01"}, "from"),
        ],
    )
    async def test_mistakes_are_shown_beside_the_field_and_nothing_is_recorded(
        self,
        own_site: AsyncClient,
        make_key: Any,
        session: AsyncSession,
        data: dict[str, str],
        field: str,
    ) -> None:
        await sign_in(own_site, await token_of(make_key, "jobs:write"))
        before = await run_count(session)
        tree = page(await own_site.get("/console/jobs"))
        response = await send_form(
            own_site, "/console/jobs", {"csrf": csrf(tree, "#ingest-form"), **data}
        )
        assert response.status_code == 422
        shown = page(response)
        assert shown.css_first(f"#field-{field}-error") is not None
        assert shown.css_first(f"#field-{field}").attributes["aria-invalid"] == "true"  # type: ignore[union-attr]
        assert shown.css_first(f"#error-summary a[href='#field-{field}']") is not None
        assert await run_count(session) == before

    async def test_queue_down_is_503_and_nothing_is_recorded(
        self, database_url: str, session: AsyncSession, make_key: Any
    ) -> None:
        token = await token_of(make_key, "jobs:write")
        before = await run_count(session)
        async for client in _client(console_app(database_url, "redis://127.0.0.1:1/0", session)):
            await sign_in(client, token)
            tree = page(await client.get("/console/jobs"))
            response = await send_form(
                client,
                "/console/jobs",
                {
                    "csrf": csrf(tree, "#ingest-form"),
                    "kind": "ingest_reference",
                    "reference": "22 003 374",
                },
            )
            assert response.status_code == 503
            assert "unreachable" in text(page(response).css_first("#message"))
            runs_page = page(await client.get("/console/runs"))
            assert "unknown" in text(runs_page.css_first("#queue-depth"))
        assert await run_count(session) == before

    async def test_a_reference_link_fills_the_form(self, own_site: AsyncClient) -> None:
        tree = page(await own_site.get("/console/jobs", params={"reference": "22 003 374"}))
        assert tree.css_first("#field-reference").attributes["value"] == "22 003 374"  # type: ignore[union-attr]


class TestKeysRequiredForReading:
    async def test_pages_ask_for_a_read_key_and_accept_one(
        self, database_url: str, redis_url: str, session: AsyncSession, make_key: Any
    ) -> None:
        app = console_app(database_url, redis_url, session, require_api_key=True)
        token = await token_of(make_key, "read")
        async for client in _client(app):
            for path in ("/console", "/console/runs", "/console/decisions", "/console/figures"):
                response = await client.get(path)
                assert response.status_code == 401, path
                assert page(response).css_first(".key-form") is not None
            await sign_in(client, token, back="/console/decisions")
            assert (await client.get("/console/decisions")).status_code == 200
            bearer = {"Authorization": f"Bearer {token}"}
            async for other in _client(app):
                assert (await other.get("/console/runs", headers=bearer)).status_code == 200
