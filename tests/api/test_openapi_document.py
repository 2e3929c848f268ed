"""The OpenAPI document an integrator codes against: every operation summarised and described
(no summary made from a function name), every schema property described, an example on every
response and request body, the webhook events with their payloads and signature scheme, and the
paging headers the list endpoints send."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared import webhooks
from tests.api.factories import make_decision

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


def _gaps(spec: dict[str, Any]) -> list[str]:
    gaps: list[str] = []
    operations = [
        (f"{method.upper()} {path}", op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ] + [
        (f"webhook {name} {method.upper()}", op)
        for name, ops in spec.get("webhooks", {}).items()
        for method, op in ops.items()
        if method in METHODS
    ]
    for where, op in operations:
        summary, description = op.get("summary", ""), op.get("description", "")
        if not summary or not description:
            gaps.append(f"{where}: no summary or description")
        generated = op.get("operationId", "").split("_")[0:1]
        if summary and re.fullmatch(r"([A-Z][a-z]*\s?)+", summary) and len(summary.split()) < 3:
            gaps.append(f"{where}: summary {summary!r} looks generated from a function name")
        assert generated is not None
        for status, response in op.get("responses", {}).items():
            if not response.get("description"):
                gaps.append(f"{where} {status}: no description")
            for media_type, media in response.get("content", {}).items():
                if "example" not in media and "examples" not in media:
                    gaps.append(f"{where} {status} {media_type}: no example")
        for media_type, media in (op.get("requestBody") or {}).get("content", {}).items():
            if "example" not in media and "examples" not in media:
                gaps.append(f"{where} request {media_type}: no example")
        for parameter in op.get("parameters", []):
            if not parameter.get("description"):
                gaps.append(f"{where} parameter {parameter['name']}: no description")
    for name, schema in spec["components"]["schemas"].items():
        for prop, value in schema.get("properties", {}).items():
            if not value.get("description"):
                gaps.append(f"schema {name}.{prop}: no description")
    return gaps


async def test_the_document_has_no_gaps(api: AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    assert _gaps(spec) == []


async def test_summaries_are_written_not_generated(api: AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    assert spec["paths"]["/healthz"]["get"]["summary"] == "Liveness: the process answers"
    compare = spec["paths"]["/v1/stats/compare"]["get"]["summary"]
    assert compare.startswith("One organisation against all organisations")


async def test_the_outcome_model_is_explained(api: AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    item = spec["components"]["schemas"]["DecisionItem"]["properties"]
    assert "INFERRED" in item["fine_outcome"]["description"]
    assert "publishes" in item["outcome"]["description"]
    assert "found" in item["finding"]["description"]
    assert (
        "outcome" in spec["info"]["description"] and "fine_outcome" in spec["info"]["description"]
    )


async def test_success_examples_are_real_shapes(api: AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    ok = spec["paths"]["/v1/decisions"]["get"]["responses"]["200"]
    example = ok["content"]["application/json"]["example"]
    assert example["next_cursor"] != "string"
    assert example["items"][0]["reference"] == "23 005 403" or re.fullmatch(
        r"\d\d \d{3} \d{3}", example["items"][0]["reference"]
    )
    assert set(example["items"][0]["organisations"][0]) == {"id", "name", "kind"}
    assert {"Link", "X-Next-Cursor"} <= set(ok["headers"])
    problem = spec["paths"]["/v1/decisions"]["get"]["responses"]["422"]
    assert problem["content"]["application/json"]["example"]["status"] == 422


async def test_webhooks_are_declared_with_payload_and_signature(api: AsyncClient) -> None:
    spec = (await api.get("/openapi.json")).json()
    assert set(spec["webhooks"]) == {*webhooks.EVENTS, webhooks.PING}
    overdue = spec["webhooks"]["remedy.overdue"]["post"]
    assert "HMAC-SHA256" in overdue["description"]
    headers = {p["name"] for p in overdue["parameters"] if p["in"] == "header"}
    assert headers == {webhooks.SIGNATURE_HEADER, "Idempotency-Key", "X-LGSCO-Event"}
    body = overdue["requestBody"]["content"]["application/json"]
    example = body["examples"]["remedy.overdue"]["value"]
    assert example["type"] == "remedy.overdue" and example["remedy"]["due_on"]
    assert body["schema"]["$ref"].endswith("/EventBody")


class TestPagingHeaders:
    async def test_link_and_cursor_headers_beside_next_cursor(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        for _ in range(3):
            await make_decision(session, organisations=("Kent County Council",))
        first = await api.get("/v1/decisions", params={"limit": 2})
        cursor = first.json()["next_cursor"]
        assert cursor and first.headers["X-Next-Cursor"] == cursor
        link = first.headers["Link"]
        match = re.fullmatch(r'<(/v1/decisions\?[^>]+)>; rel="next"', link)
        assert match is not None
        second = await api.get(match.group(1))
        assert second.status_code == 200 and len(second.json()["items"]) == 1
        assert second.json()["next_cursor"] is None and "Link" not in second.headers

    async def test_csv_with_limit_names_the_next_cursor(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        for _ in range(3):
            await make_decision(session, organisations=("Kent County Council",))
        page = await api.get("/v1/decisions", params={"limit": 2})
        csv = await api.get("/v1/decisions", params={"limit": 2, "format": "csv"})
        assert csv.headers["X-Next-Cursor"] == page.json()["next_cursor"]
        assert 'rel="next"' in csv.headers["Link"]
        assert len(csv.content.decode("utf-8-sig").strip().splitlines()) == 3  # header + 2

    async def test_other_keyset_lists_send_them_too(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        await make_decision(session, organisations=("Kent County Council",))
        await make_decision(session, organisations=("Surrey County Council",))
        orgs = await api.get("/v1/organisations", params={"limit": 1})
        assert orgs.headers["X-Next-Cursor"] == orgs.json()["next_cursor"]


class TestHead:
    async def test_head_answers_every_get_with_headers_and_no_body(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        decision = await make_decision(session, organisations=("Kent County Council",))
        for path in (
            "/healthz",
            "/v1/decisions",
            f"/v1/decisions/{decision.reference.replace(' ', '-')}",
            "/v1/organisations",
            "/v1/status",
            "/openapi.json",
        ):
            got = await api.get(path)
            head = await api.head(path)
            assert head.status_code == got.status_code == 200, path
            assert head.content == b""
            assert head.headers["content-type"] == got.headers["content-type"]
            assert head.headers.get("etag") == got.headers.get("etag")
        assert (await api.head("/v1/decisions/99-999-999")).status_code == 404
