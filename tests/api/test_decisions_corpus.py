"""/v1/decisions on the corpus crawled from the fake site, checked against the corpus truth."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.corpus


async def all_pages(api: AsyncClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(200):
        query = dict(params) | ({"cursor": cursor} if cursor else {})
        response = await api.get("/v1/decisions", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def truth_dates(corpus: list[Any]) -> dict[str, date]:
    return {
        e.truth["ref"]: date.fromisoformat(e.truth["decision_date"])
        for e in corpus
        if e.truth["decision_date"]
    }


class TestPagination:
    @pytest.mark.parametrize("sort", ["-decided_on", "decided_on", "changed_at"])
    async def test_pages_cover_the_corpus_without_gaps_or_repeats(
        self, corpus_api: AsyncClient, corpus: list[Any], sort: str
    ) -> None:
        items = await all_pages(corpus_api, sort=sort, limit=7)
        references = [i["reference"] for i in items]
        assert len(references) == len(set(references))
        assert set(references) == {e.truth["ref"] for e in corpus}

    async def test_newest_first_puts_undated_decisions_last(self, corpus_api: AsyncClient) -> None:
        items = await all_pages(corpus_api, limit=50)
        dates = [i["decided_on"] for i in items]
        dated = [d for d in dates if d is not None]
        assert dated == sorted(dated, reverse=True)
        assert dates[: len(dated)] == dated

    async def test_a_cursor_only_works_with_its_sort(self, corpus_api: AsyncClient) -> None:
        page = (await corpus_api.get("/v1/decisions", params={"limit": 5})).json()
        response = await corpus_api.get(
            "/v1/decisions", params={"cursor": page["next_cursor"], "sort": "decided_on"}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["parameter"] == "cursor"


class TestFiltersAgainstTruth:
    async def test_every_stored_decision_matches_its_truth(
        self, corpus_api: AsyncClient, corpus: list[Any]
    ) -> None:
        items = {i["reference"]: i for i in await all_pages(corpus_api, limit=200)}
        for entry in corpus:
            t, item = entry.truth, items[entry.truth["ref"]]
            assert t["organisation"] in [o["name"] for o in item["organisations"]], t["ref"]
            # the same objects as the full record's; names alone kept for earlier clients
            assert item["organisation_names"] == [o["name"] for o in item["organisations"]]
            assert all(set(o) == {"id", "name", "kind"} for o in item["organisations"])
            assert item["source_url"] == entry.url
            assert item["attribution"]
            if t["decision"]:
                assert item["outcome_label"] == t["decision"], t["ref"]
            if t["decision_date"]:
                assert item["decided_on"] == t["decision_date"], t["ref"]
            if t["category"]:
                assert item["category"] == t["category"], t["ref"]
                assert item["subcategory"] == t["subcategory"], t["ref"]

    async def test_organisation_filter_counts(
        self, corpus_api: AsyncClient, corpus: list[Any]
    ) -> None:
        expected = Counter(e.truth["organisation"] for e in corpus)
        for name in ("Wiltshire Council", "Kent County Council"):
            items = await all_pages(corpus_api, organisation=name.upper())
            assert len(items) == expected[name]
        both = await all_pages(
            corpus_api, organisation=["Wiltshire Council", "Kent County Council"]
        )
        assert len(both) == expected["Wiltshire Council"] + expected["Kent County Council"]

    async def test_outcome_filter_is_repeatable(
        self, corpus_api: AsyncClient, corpus: list[Any]
    ) -> None:
        upheld = await all_pages(corpus_api, outcome="upheld", limit=200)
        both = await all_pages(corpus_api, outcome=["upheld", "not_upheld"], limit=200)
        truth = Counter(e.truth["decision"] for e in corpus)
        assert {i["outcome"] for i in upheld} == {"upheld"}
        assert len(upheld) >= truth["Upheld"]
        assert len(both) >= truth["Upheld"] + truth["Not upheld"]

    @pytest.mark.parametrize("year", ["2022-23", "2023-24", "2024-25", "2025-26"])
    async def test_financial_year_runs_april_to_march(
        self, corpus_api: AsyncClient, corpus: list[Any], year: str
    ) -> None:
        start = date(int(year[:4]), 4, 1)
        end = date(int(year[:4]) + 1, 3, 31)
        expected = {r for r, d in truth_dates(corpus).items() if start <= d <= end}
        items = await all_pages(corpus_api, financial_year=year, limit=200)
        assert {i["reference"] for i in items} == expected
        assert {i["financial_year"] for i in items} <= {year}

    async def test_date_range_is_inclusive(
        self, corpus_api: AsyncClient, corpus: list[Any]
    ) -> None:
        dates = truth_dates(corpus)
        day = sorted(dates.values())[len(dates) // 2]
        items = await all_pages(
            corpus_api, decided_from=day.isoformat(), decided_to=day.isoformat()
        )
        assert {i["reference"] for i in items} == {r for r, d in dates.items() if d == day}


class TestSearch:
    async def test_full_text_is_ranked_and_highlighted(self, corpus_api: AsyncClient) -> None:
        response = await corpus_api.get("/v1/decisions", params={"q": "housing benefit"})
        page = response.json()
        assert response.status_code == 200
        assert page["sort"] == "relevance" and page["items"]
        ranks = [i["rank"] for i in page["items"]]
        assert ranks == sorted(ranks, reverse=True)
        assert any("<mark>" in i["snippet"] for i in page["items"])

    async def test_search_pages_do_not_repeat(self, corpus_api: AsyncClient) -> None:
        items = await all_pages(corpus_api, q="council", limit=5)
        references = [i["reference"] for i in items]
        assert len(references) == len(set(references)) > 10

    async def test_web_search_syntax_excludes_words(self, corpus_api: AsyncClient) -> None:
        everything = await all_pages(corpus_api, q="care")
        without = await all_pages(corpus_api, q="care -home")
        assert 0 < len(without) < len(everything)


class TestCsv:
    async def test_csv_equals_json(self, corpus_api: AsyncClient) -> None:
        items = await all_pages(
            corpus_api, limit=20, fields="reference,decided_on,outcome,organisations"
        )
        response = await corpus_api.get(
            "/v1/decisions",
            params={"format": "csv", "fields": "reference,decided_on,outcome,organisations"},
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [r["reference"] for r in rows] == [i["reference"] for i in items]
        for row, item in zip(rows, items, strict=True):
            assert row["decided_on"] == (item["decided_on"] or "")
            assert row["outcome"] == (item["outcome"] or "")
            assert row["organisations"] == "; ".join(o["name"] for o in item["organisations"])
            assert row["source_url"] == item["source_url"]

    async def test_accept_header_chooses_csv(self, corpus_api: AsyncClient) -> None:
        response = await corpus_api.get(
            "/v1/decisions",
            params={"organisation": "Wiltshire Council"},
            headers={"Accept": "text/csv"},
        )
        assert response.headers["content-type"].startswith("text/csv")
        assert len(list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))) == 5


class TestDecisionRecord:
    @pytest.mark.parametrize("form", ["20 002 738", "20-002-738", "20002738", " 20 002 738 "])
    async def test_any_reference_form(self, corpus_api: AsyncClient, form: str) -> None:
        response = await corpus_api.get(f"/v1/decisions/{form}")
        assert response.status_code == 200, response.text
        record = response.json()
        assert record["reference"] == "20 002 738"
        assert record["organisations"][0]["name"] == "Bromsgrove District Council"
        assert record["outcome_label"] == "Closed after initial enquiries"
        assert record["source_url"].endswith("/20-002-738")
        assert record["attribution"] and record["versions"]
        assert record["status"] == "published"
