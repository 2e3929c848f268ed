"""What every console page keeps to: one h1 and no skipped heading level, a label for every
control, a title of its own, unique ids, charts that name themselves, only local assets, and
the security headers."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date
from decimal import Decimal

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.console import pages as console_pages
from lgsco_shared.domain import Outcome, RemedyType
from tests.api.factories import make_decision, make_remedy
from tests.console.conftest import page, text

COUNCIL = "Testshire County Council"


async def console_pages_of(session: AsyncSession) -> list[str]:
    """Every kind of console page, over a few decisions made here (no corpus needed)."""
    decisions = [
        await make_decision(session, decided_on=date(2024, month, 3), outcome=outcome)
        for month, outcome in ((5, Outcome.UPHELD), (7, Outcome.NOT_UPHELD), (9, Outcome.UPHELD))
    ]
    await make_remedy(session, decisions[0], due_on=date(2024, 6, 3))
    await make_remedy(
        session, decisions[2], type=RemedyType.FINANCIAL_PAYMENT, sentence="pay Mrs X £200",
        amount=Decimal(200),
    )  # fmt: skip
    slug = decisions[0].reference.replace(" ", "-")
    return [
        "/console",
        "/console/runs",
        "/console/jobs",
        "/console/key",
        "/console/decisions",
        "/console/decisions?q=care+home",
        f"/console/decisions/{slug}",
        "/console/figures",
        f"/console/figures?organisation={COUNCIL.replace(' ', '+')}&financial_year=2024-25",
        "/console/decisions/99-999-999",
        "/console/decisions?decided_from=31-01-2024",
    ]


async def test_every_page_keeps_to_the_conventions(
    own_site: AsyncClient, session: AsyncSession
) -> None:
    titles = []
    charts = 0
    for path in await console_pages_of(session):
        response = await own_site.get(path)
        tree = page(response)
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-frame-options"] == "DENY"
        assert tree.css_first("html").attributes["lang"] == "en-GB", path  # type: ignore[union-attr]
        titles.append(text(tree.css_first("title")))
        assert len(tree.css("h1")) == 1, path
        levels = [int(str(h.tag)[1]) for h in tree.css("main h1, main h2, main h3, main h4")]
        assert levels[0] == 1, path
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (path, levels)
        labelled = {str(label.attributes.get("for")) for label in tree.css("label[for]")}
        for control in tree.css("input:not([type=hidden]), select, textarea"):
            assert control.attributes.get("id") in labelled, (path, control.html)
        ids = Counter(str(n.attributes["id"]) for n in tree.css("[id]"))
        assert [i for i, n in ids.items() if n > 1] == [], path
        for svg in tree.css("svg"):
            charts += 1
            assert svg.attributes.get("role") == "img", path
            label_ids = str(svg.attributes["aria-labelledby"]).split()
            assert [tree.css_first(f"#{i}").tag for i in label_ids] == ["title", "desc"]  # type: ignore[union-attr]
        for node in tree.css("link[href], script[src], img[src]"):
            url = str(node.attributes.get("href") or node.attributes.get("src"))
            assert url.startswith("/console/static/"), (path, url)
        assert tree.css_first("a.skip-link[href='#main']") is not None
        assert tree.css_first("main#main") is not None
        assert tree.css_first("script:not([src])") is None, path  # no inline script
        assert tree.css_first("[style]") is None, path  # no inline style (CSP)
    assert len(set(titles)) == len(titles), titles
    assert charts >= 4  # the figures page drew its charts, so their labels were checked


async def test_static_files_are_served_from_the_package(own_site: AsyncClient) -> None:
    for name, kind in (("console.css", "text/css"), ("progress.js", "javascript")):
        response = await own_site.get(console_pages.asset(name))
        assert response.status_code == 200
        assert kind in response.headers["content-type"]
        assert "://" not in response.text  # no imports from elsewhere


async def test_unknown_console_paths_are_not_found(own_site: AsyncClient) -> None:
    assert (await own_site.get("/console/nothing-here")).status_code == 404
    assert (await own_site.get("/console/static/../templates/base.html")).status_code == 404
