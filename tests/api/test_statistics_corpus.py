"""Statistics, organisations, categories and the annual report on the crawled corpus."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient

pytestmark = pytest.mark.corpus

LABEL_TO_OUTCOME = {
    "Upheld": "upheld",
    "Not upheld": "not_upheld",
    "Closed after initial enquiries": "closed_after_initial_enquiries",
}


def financial_year(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


async def decisions_by_reference(api: AsyncClient) -> dict[str, dict[str, Any]]:
    response = await api.get("/v1/decisions", params={"limit": 200})
    return {i["reference"]: i for i in response.json()["items"]}


class TestOutcomeStats:
    async def test_overall_counts_match_the_stored_outcomes(
        self, corpus_api: AsyncClient, corpus: list[Any]
    ) -> None:
        stored = await decisions_by_reference(corpus_api)
        expected = Counter(i["outcome"] for i in stored.values())
        overall = (await corpus_api.get("/v1/stats/outcomes")).json()["overall"]
        assert overall["decisions"] == len(corpus) == 109
        assert overall["upheld"] == expected["upheld"]
        assert overall["not_upheld"] == expected["not_upheld"]
        assert overall["unknown"] == expected[None]
        truth = Counter(LABEL_TO_OUTCOME.get(e.truth["decision"]) for e in corpus)
        assert overall["upheld"] >= truth["upheld"]  # pages without a header may gain one

    async def test_uphold_rate_is_upheld_over_investigated(self, corpus_api: AsyncClient) -> None:
        overall = (await corpus_api.get("/v1/stats/outcomes")).json()["overall"]
        rate = overall["upheld"] / (overall["upheld"] + overall["not_upheld"])
        assert overall["uphold_rate"] == pytest.approx(rate, abs=1e-4)

    async def test_group_by_financial_year_matches_truth(
        self, corpus_api: AsyncClient, corpus: list[Any]
    ) -> None:
        response = await corpus_api.get("/v1/stats/outcomes", params={"group_by": "financial_year"})
        groups = {g["key"]: g for g in response.json()["groups"]}
        dated = [e for e in corpus if e.truth["decision_date"]]
        expected = Counter(
            financial_year(date.fromisoformat(e.truth["decision_date"])) for e in dated
        )
        for year, count in expected.items():
            assert groups[year]["decisions"] == count, year
        for group in groups.values():
            investigated = group["upheld"] + group["not_upheld"]
            expected_rate = round(group["upheld"] / investigated, 4) if investigated else None
            assert group["uphold_rate"] == expected_rate

    async def test_group_by_organisation_sums_to_links(
        self, corpus_api: AsyncClient, corpus: list[Any]
    ) -> None:
        response = await corpus_api.get(
            "/v1/stats/outcomes", params={"group_by": "organisation", "outcome": "upheld"}
        )
        body = response.json()
        wiltshire = next(g for g in body["groups"] if g["key"] == "Wiltshire Council")
        assert wiltshire["decisions"] == wiltshire["upheld"]
        assert body["filters"] == {"outcome": ["upheld"]}
        assert sum(g["decisions"] for g in body["groups"]) >= body["overall"]["decisions"]

    @pytest.mark.parametrize("group_by", ["category", "subcategory", "month"])
    async def test_groups_add_up_to_the_total(self, corpus_api: AsyncClient, group_by: str) -> None:
        body = (await corpus_api.get("/v1/stats/outcomes", params={"group_by": group_by})).json()
        assert sum(g["decisions"] for g in body["groups"]) == body["overall"]["decisions"]
        if group_by == "subcategory":
            assert all(g["parent"] for g in body["groups"] if g["key"])


class TestCategories:
    async def test_tree_counts_match_truth(
        self, corpus_api: AsyncClient, corpus: list[Any]
    ) -> None:
        tree = (await corpus_api.get("/v1/categories")).json()
        assert tree["decisions"] == 109
        nodes = {c["category"]: c for c in tree["categories"]}
        truth = Counter(e.truth["category"] for e in corpus if e.truth["category"])
        for category, count in truth.items():
            assert nodes[category]["decisions"] >= count
            subs = nodes[category]["subcategories"]
            assert sum(s["decisions"] for s in subs) == nodes[category]["decisions"]


class TestOrganisations:
    async def test_search_counts_and_detail(self, corpus_api: AsyncClient) -> None:
        page = (await corpus_api.get("/v1/organisations", params={"q": "wiltshire"})).json()
        assert [o["name"] for o in page["items"]] == ["Wiltshire Council"]
        org = page["items"][0]
        assert org["decisions"] == 5
        detail = (await corpus_api.get(f"/v1/organisations/{org['id']}")).json()
        assert detail["decisions"] == 5
        assert sum(y["decisions"] for y in detail["by_financial_year"]) == 5

    async def test_pages_of_organisations(self, corpus_api: AsyncClient) -> None:
        names: list[str] = []
        cursor = None
        while True:
            params = {"limit": 9} | ({"cursor": cursor} if cursor else {})
            page = (await corpus_api.get("/v1/organisations", params=params)).json()
            names += [o["name"] for o in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert len(names) == len(set(names))
        assert names == sorted(names, key=str.lower)
        total = sum(
            o["decisions"]
            for o in (await corpus_api.get("/v1/organisations", params={"limit": 200})).json()[
                "items"
            ]
        )
        assert total >= 109

    async def test_unknown_organisation_is_404(self, corpus_api: AsyncClient) -> None:
        response = await corpus_api.get("/v1/organisations/999999")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


class TestCompare:
    async def test_organisation_against_kind_and_all(self, corpus_api: AsyncClient) -> None:
        response = await corpus_api.get(
            "/v1/stats/compare", params={"organisation": "Kent County Council"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["kind"] == "county"
        assert body["this_organisation"]["decisions"] == 3
        assert body["this_organisation"]["organisations"] == 1
        assert body["all_organisations"]["decisions"] == 109
        same = body["same_kind"]
        assert 3 <= same["decisions"] < 109
        assert same["organisations"] > 1
        everyone = body["all_organisations"]
        if everyone["upheld"]:
            expected = round(everyone["remedies_on_upheld"] / everyone["upheld"], 2)
            assert everyone["remedies_per_upheld_decision"] == expected

    async def test_unknown_name_is_404_saying_where_to_look(self, corpus_api: AsyncClient) -> None:
        response = await corpus_api.get("/v1/stats/compare", params={"organisation": "Nowhere"})
        assert response.status_code == 404
        assert "/v1/organisations" in response.json()["detail"]


class TestAnnualReport:
    async def _org_with_most_decisions(
        self, corpus: list[Any]
    ) -> tuple[str, str, list[dict[str, Any]]]:
        by_year: Counter[tuple[str, str]] = Counter()
        for e in corpus:
            if e.truth["decision_date"]:
                year = financial_year(date.fromisoformat(e.truth["decision_date"]))
                by_year[(e.truth["organisation"], year)] += 1
        (org, year), _ = by_year.most_common(1)[0]
        truth = [
            e.truth
            for e in corpus
            if e.truth["organisation"] == org
            and e.truth["decision_date"]
            and financial_year(date.fromisoformat(e.truth["decision_date"])) == year
        ]
        return org, year, truth

    async def test_tables_match_truth(self, corpus_api: AsyncClient, corpus: list[Any]) -> None:
        org, year, truth = await self._org_with_most_decisions(corpus)
        response = await corpus_api.get(
            "/v1/reports/annual", params={"organisation": org, "financial_year": year}
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["summary"]["decisions"] == len(truth)
        assert sum(r["decisions"] for r in report["outcomes"]) == len(truth)
        assert sorted(d["reference"] for d in report["decisions"]) == sorted(
            t["ref"] for t in truth
        )
        assert report["period"] == {"from": f"{year[:4]}-04-01", "to": f"{int(year[:4]) + 1}-03-31"}
        assert report["remedies_total"] == sum(r["remedies"] for r in report["remedies"])

    async def test_csv_tables_equal_json(self, corpus_api: AsyncClient, corpus: list[Any]) -> None:
        org, year, _ = await self._org_with_most_decisions(corpus)
        params = {"organisation": org, "financial_year": year}
        report = (await corpus_api.get("/v1/reports/annual", params=params)).json()
        for table in ("outcomes", "decisions", "summary", "remedies"):
            response = await corpus_api.get(
                "/v1/reports/annual", params=params | {"format": "csv", "table": table}
            )
            assert response.status_code == 200, response.text
            rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
            # headers a person reads, not field codes
            if table == "decisions":
                assert [r["Reference"] for r in rows] == [
                    d["reference"] for d in report["decisions"]
                ]
            elif table == "outcomes":
                assert rows[-1]["Outcome"] == "Total"
                assert int(rows[-1]["Decisions"]) == report["summary"]["decisions"]
                assert len(rows) == len(report["outcomes"]) + 1
            elif table == "summary":
                assert int(rows[0]["Decisions"]) == report["summary"]["decisions"]
            else:
                assert int(rows[-1]["Remedies"]) == report["remedies_total"]

    async def test_csv_needs_a_table(self, corpus_api: AsyncClient) -> None:
        response = await corpus_api.get(
            "/v1/reports/annual",
            params={
                "organisation": "Kent County Council",
                "financial_year": "2023-24",
                "format": "csv",
            },
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["parameter"] == "table"
