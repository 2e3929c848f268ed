"""The console's read pages over the crawled decisions show exactly the API's numbers for the
same query: overview, decision search and pages, and an organisation's figures. They run on
the invented decisions (tests/fakesite/invented.py), so they need no external corpus."""

from __future__ import annotations

import csv
import io
from typing import Any

import docx
import openpyxl
import pytest
from httpx import AsyncClient

from tests.console.conftest import cells, number, page, rate, text
from tests.fakesite.corpus import CorpusEntry


async def api(client: AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


class TestOverview:
    async def test_shows_the_status_figures(
        self, site: AsyncClient, decisions: list[CorpusEntry]
    ) -> None:
        status = await api(site, "/v1/status")
        tree = page(await site.get("/console"))
        shown = {str(dd.attributes["data-field"]): text(dd) for dd in tree.css("dd[data-field]")}
        for field in ("decisions_stored", "decisions_published", "decisions_withdrawn"):
            assert number(shown[field]) == status[field], field
        assert number(shown["runs_active"]) == status["runs_active"]
        assert number(shown["failures_last_24h"]) == status["failures_last_24h"]
        assert number(shown["queue_depth"]) == status["queue_depth"]
        assert status["decisions_stored"] == len(decisions)
        # organisations of unknown kind, listed for an operator to map, as /v1/status lists them
        unmapped = tree.css_first("[data-field=organisations_unmapped]")
        assert unmapped is not None
        if status["organisations_unmapped"]:
            assert number(text(unmapped)) == status["organisations_unmapped"]
            listed = [text(td) for td in tree.css("table.unmapped tbody td:nth-child(2)")]
            assert listed == [o["name"] for o in status["unmapped_organisations"]]
        else:
            assert "Every organisation stored has a known kind" in text(unmapped)


SEARCHES = [
    {},
    {"q": "care"},
    {"outcome": ["upheld"], "financial_year": "2023-24"},
    {"organisation": "Kent County Council"},
    {"category": "Adult care services", "has_remedy": "true"},
    {"sort": "decided_on", "status": "published"},
]


class TestDecisionSearch:
    @pytest.mark.parametrize("filters", SEARCHES, ids=lambda f: "&".join(f) or "all")
    async def test_lists_the_api_page_and_counts(
        self, site: AsyncClient, filters: dict[str, Any]
    ) -> None:
        response = await site.get("/console/decisions", params=filters)
        assert response.status_code == 200, response.text
        tree = page(response)
        stats = (
            await api(
                site, "/v1/stats/outcomes", **{k: v for k, v in filters.items() if k != "sort"}
            )
        )["overall"]
        listing = await api(site, "/v1/decisions", limit=25, **filters)
        assert number(text(tree.css_first("#match-count"))) == stats["decisions"]
        summary = {
            str(n.attributes["data-field"]): text(n)
            for n in tree.css("#match-outcomes [data-field]")
        }
        for field in ("upheld", "not_upheld", "closed_after_initial_enquiries", "unknown"):
            assert number(summary[field]) == stats[field], field
        assert summary["uphold_rate"] == rate(stats["uphold_rate"])
        rows = tree.css("#results tbody tr")
        assert [r.attributes["data-reference"] for r in rows] == [
            i["reference"] for i in listing["items"]
        ]
        outcomes = [r.css_first("td[data-outcome]").attributes["data-outcome"] for r in rows]  # type: ignore[union-attr]
        assert outcomes == [i["outcome"] or "" for i in listing["items"]]
        ranking = tree.css_first("#ranking")
        if listing["ranking"] is None:
            assert ranking is None
        else:  # a search by relevance says what it ranked, in the API's words
            assert listing["ranking"]["note"] in text(ranking)

    async def test_next_page_continues_as_the_api_does(self, site: AsyncClient) -> None:
        tree = page(await site.get("/console/decisions"))
        link = tree.css_first("a[rel=next]")
        assert link is not None
        second = page(await site.get(str(link.attributes["href"])))
        first_api = await api(site, "/v1/decisions", limit=25)
        second_api = await api(site, "/v1/decisions", limit=25, cursor=first_api["next_cursor"])
        assert [r.attributes["data-reference"] for r in second.css("#results tbody tr")] == [
            i["reference"] for i in second_api["items"]
        ]

    async def test_csv_link_is_the_api_export_of_the_same_search(self, site: AsyncClient) -> None:
        tree = page(await site.get("/console/decisions", params={"q": "care"}))
        links = [a.attributes["href"] for a in tree.css(".downloads a")]
        csv_link = next(h for h in links if h and "format=csv" in h)
        assert csv_link.startswith("/v1/decisions?")
        export = await site.get(str(csv_link))
        assert export.status_code == 200
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        total = (await api(site, "/v1/stats/outcomes", q="care"))["overall"]["decisions"]
        assert len(rows) == total

    async def test_full_text_hits_are_marked_and_nothing_else_is_html(
        self, site: AsyncClient
    ) -> None:
        tree = page(await site.get("/console/decisions", params={"q": "care"}))
        assert tree.css("#results td.summary mark")
        assert not tree.css("#results td.summary *:not(mark)")

    @pytest.mark.parametrize(
        "filters, field",
        [
            ({"decided_from": "2024-13-01"}, "decided_from"),
            ({"decided_from": "2024-02-01", "decided_to": "2024-01-01"}, "decided_to"),
            ({"financial_year": "2023-25"}, "financial_year"),
            ({"sort": "relevance"}, "sort"),
            ({"outcome": "maybe"}, "outcome"),
        ],
    )
    async def test_a_bad_filter_is_explained_beside_its_field(
        self, site: AsyncClient, filters: dict[str, str], field: str
    ) -> None:
        response = await site.get("/console/decisions", params=filters)
        assert response.status_code == 422
        tree = page(response)
        assert tree.css_first("#error-summary") is not None or field == "sort"
        assert tree.css_first(f"#field-{field}-error") is not None or field in ("outcome", "sort")
        assert tree.css_first("#results") is None
        assert text(tree.css_first("title")).startswith("Error: ")


class TestDecisionPage:
    async def test_shows_the_api_record(self, site: AsyncClient) -> None:
        listing = await api(site, "/v1/decisions", has_remedy="true", limit=5)
        for item in listing["items"]:
            slug = item["reference"].replace(" ", "-")
            record = await api(site, f"/v1/decisions/{slug}")
            tree = page(await site.get(f"/console/decisions/{slug}"))
            assert text(tree.css_first("h1")) == f"Decision {record['reference']}"
            assert text(tree.css_first("title")).startswith(f"Decision {record['reference']} –")
            fields = {
                str(dd.attributes["data-field"]): dd
                for dd in tree.css("#decision-fields dd[data-field]")
            }
            assert text(fields["organisations"]) == "; ".join(
                o["name"] for o in record["organisations"]
            )
            decided = fields["decided_on"].css_first("time")
            assert (decided.attributes["datetime"] if decided else None) == record["decided_on"]
            assert text(fields["category"]) == (record["category"] or "—")
            assert text(fields["financial_year"]) == (record["financial_year"] or "—")
            assert number(text(fields["remedies_count"])) == len(record["remedies"])
            link = tree.css_first("#source-link")
            assert link is not None and link.attributes["href"] == record["source_url"]
            shown = [r.attributes["data-remedy"] for r in tree.css("#remedies tbody tr")]
            assert shown == [str(r["id"]) for r in record["remedies"]]
            headings = [text(h) for h in tree.css("#sections h3")]
            assert headings == [s["heading"] for s in record["sections"] if s["heading"]]

    async def test_a_reference_not_stored_offers_to_ingest_it(self, site: AsyncClient) -> None:
        response = await site.get("/console/decisions/99-999-999")
        assert response.status_code == 404
        link = page(response).css_first("main a[href^='/console/jobs']")
        assert link is not None and "99%20999%20999" in str(link.attributes["href"])

    async def test_not_a_reference_is_404_saying_what_one_looks_like(
        self, site: AsyncClient
    ) -> None:
        response = await site.get("/console/decisions/not-a-ref")
        assert response.status_code == 404
        assert "22 003 374" in text(page(response).css_first("#message"))


async def organisation_years(site: AsyncClient) -> list[tuple[int, str, str]]:
    """(id, name, year) for the organisations with the most decisions, each in its busiest year."""
    grouped = await api(site, "/v1/stats/outcomes", group_by="organisation")
    chosen = []
    for group in grouped["groups"][:4]:
        found = await api(site, "/v1/organisations", q=group["key"])
        org = next(o for o in found["items"] if o["name"] == group["key"])
        detail = await api(site, f"/v1/organisations/{org['id']}")
        years = [y for y in detail["by_financial_year"] if y["financial_year"]]
        busiest = max(years, key=lambda y: y["decisions"])
        chosen.append((org["id"], org["name"], busiest["financial_year"]))
    return chosen


def counts_of(shown: dict[str, str]) -> dict[str, Any]:
    return {k: (v if k == "uphold_rate" else number(v)) for k, v in shown.items()}


def expected_counts(api_counts: dict[str, Any]) -> dict[str, Any]:
    fields = ("decisions", "upheld", "not_upheld", "closed_after_initial_enquiries", "unknown")
    return {**{f: api_counts[f] for f in fields}, "uphold_rate": rate(api_counts["uphold_rate"])}


class TestFigures:
    async def test_tables_equal_the_annual_report_statistics_and_comparison(
        self, site: AsyncClient
    ) -> None:
        for org_id, name, year in await organisation_years(site):
            response = await site.get(
                "/console/figures", params={"organisation": name, "financial_year": year}
            )
            assert response.status_code == 200, response.text
            tree = page(response)
            report = await api(
                site, "/v1/reports/annual", organisation=str(org_id), financial_year=year
            )
            summary = cells(tree, "summary")
            assert counts_of(summary[name]) == expected_counts(report["summary"])

            outcomes = {
                header: (number(c["decisions"]), c["outcome_source"])
                for header, c in cells(tree, "outcomes").items()
            }
            shown = {"inferred": "inferred from the text", "stated": "as published", None: "—"}
            assert outcomes == {
                r["outcome"]: (r["decisions"], shown[r["outcome_source"]])
                for r in report["outcomes"]
            }

            remedies = cells(tree, "remedies")
            assert {a: number(c["remedies"]) for a, c in remedies.items()} == {
                r["action"]: r["remedies"] for r in report["remedies"]
            }
            total = tree.css_first("#remedies tfoot [data-field=remedies_total]")
            assert number(text(total)) == report["remedies_total"]
            listed = [text(tr.css_first("th")) for tr in tree.css("#report-decisions tbody tr")]
            assert listed == [d["reference"] for d in report["decisions"]]

            filters = {"organisation": str(org_id), "financial_year": year}
            months = await api(site, "/v1/stats/outcomes", group_by="month", **filters)
            by_month = {g["key"]: g for g in months["groups"]}
            shown_months = cells(tree, "months")
            assert len(shown_months) == 12
            for label, shown in shown_months.items():
                key = _month_key(label)
                expected = by_month.get(key)
                assert number(shown["decisions"]) == (expected["decisions"] if expected else 0)
                if expected:
                    assert counts_of(shown) == expected_counts(expected)
            assert (
                sum(number(s["decisions"]) for s in shown_months.values())
                == report["summary"]["decisions"]
            )

            categories = await api(site, "/v1/stats/outcomes", group_by="category", **filters)
            shown_categories = cells(tree, "categories")
            assert len(shown_categories) == len(categories["groups"])
            for group in categories["groups"]:
                label = group["key"] or "Category not stated"
                assert counts_of(shown_categories[label]) == expected_counts(group)

            compare = await api(
                site, "/v1/stats/compare", organisation=str(org_id), financial_year=year
            )
            rows = list(cells(tree, "comparison").values())
            sides = [
                compare["this_organisation"],
                compare["same_kind"],
                compare["all_organisations"],
            ]
            for shown, side in zip(rows, sides, strict=True):
                assert number(shown["organisations"]) == side["organisations"]
                assert number(shown["decisions"]) == side["decisions"]
                assert number(shown["upheld"]) == side["upheld"]
                assert shown["uphold_rate"] == rate(side["uphold_rate"])

    async def test_charts_are_inline_svg_with_a_title_description_and_table(
        self, site: AsyncClient
    ) -> None:
        _id, name, year = (await organisation_years(site))[0]
        tree = page(
            await site.get(
                "/console/figures", params={"organisation": name, "financial_year": year}
            )
        )
        svgs = tree.css("svg.chart")
        assert [s.attributes["id"] for s in svgs] == [
            "chart-months",
            "chart-categories",
            "chart-uphold",
            "chart-remedies",
        ]
        for svg in svgs:
            assert svg.attributes["role"] == "img"
            assert svg.css_first("title") is not None and svg.css_first("desc") is not None
        summary = cells(tree, "summary")[name]
        month_bars = tree.css("#chart-months rect title")
        assert sum(int(t.text().rsplit(": ", 1)[1]) for t in month_bars) == number(
            summary["decisions"]
        )

    async def test_csv_links_give_the_tables(self, site: AsyncClient) -> None:
        _org_id, name, year = (await organisation_years(site))[0]
        tree = page(
            await site.get(
                "/console/figures", params={"organisation": name, "financial_year": year}
            )
        )
        links = [
            str(a.attributes["href"])
            for a in tree.css("a")
            if "csv" in str(a.attributes.get("href"))
        ]
        assert any(h.startswith("/v1/reports/annual?") and "table=outcomes" in h for h in links)
        months_link = next(h for h in links if h.startswith("/console/figures/months.csv"))
        export = await site.get(months_link)
        assert export.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
        shown = cells(tree, "months")
        assert [int(r["decisions"]) for r in rows] == [
            number(s["decisions"]) for s in shown.values()
        ]
        for link in links:
            assert (await site.get(link)).status_code == 200, link

    async def test_file_links_give_the_workbook_and_the_appendix(self, site: AsyncClient) -> None:
        _org_id, name, year = (await organisation_years(site))[0]
        tree = page(
            await site.get(
                "/console/figures", params={"organisation": name, "financial_year": year}
            )
        )
        files = {
            str(a.attributes["data-download"]): str(a.attributes["href"])
            for a in tree.css("a[data-download]")
        }
        assert set(files) == {"xlsx", "docx"}
        workbook = await site.get(files["xlsx"])
        assert workbook.status_code == 200
        assert openpyxl.load_workbook(io.BytesIO(workbook.content)).sheetnames == [
            "Summary",
            "Outcomes",
            "Remedies",
            "Decisions",
        ]
        appendix = await site.get(files["docx"])
        paragraphs = docx.Document(io.BytesIO(appendix.content)).paragraphs
        assert paragraphs[0].text == "Local Government and Social Care Ombudsman Decisions"

    async def test_year_defaults_to_the_latest_and_unknown_names_get_suggestions(
        self, site: AsyncClient
    ) -> None:
        _id, name, _year = (await organisation_years(site))[0]
        tree = page(await site.get("/console/figures", params={"organisation": name}))
        assert tree.css_first("#summary") is not None
        response = await site.get("/console/figures", params={"organisation": name.split()[0]})
        assert response.status_code == 422
        suggestions = [text(a) for a in page(response).css("#suggestions a")]
        assert name in suggestions
        bad_year = await site.get(
            "/console/figures", params={"organisation": name, "financial_year": "2023-25"}
        )
        assert bad_year.status_code == 422
        assert page(bad_year).css_first("#field-financial_year-error") is not None

    async def test_start_page_lists_the_busiest_organisations(self, site: AsyncClient) -> None:
        grouped = await api(site, "/v1/stats/outcomes", group_by="organisation")
        tree = page(await site.get("/console/figures"))
        shown = [text(a) for a in tree.css("#busiest a")]
        assert shown == [g["key"] for g in grouped["groups"][:12]]


def _month_key(label: str) -> str:
    from datetime import datetime

    return datetime.strptime(label, "%b %Y").strftime("%Y-%m")
