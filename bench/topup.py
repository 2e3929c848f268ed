"""Bring the crawled database up to the whole site's `total` decisions, fast, for the API benchmark.

Crawling all 60,000 takes longer than the run's budget, so the decisions the crawl did not reach
are copied in SQL from the crawled decision rendered from the same corpus text, under the
reference, permalink, date and organisation the fake site gives them; their remedies (due dates
moved with the decision date), organisation link and first version come along. They have no raw
page. The result is what a full crawl would have stored, less the raw pages and fetch history.
"""

from __future__ import annotations

import asyncpg

from bench.common import asyncpg_args
from bench.synth import Spec, specs
from lgsco_shared.organisations import kind_of
from tests.fakesite.corpus import load_corpus

_DECISION_COPY = """
INSERT INTO decision (reference, permalink, category, subcategory, outcome, outcome_label,
    finding, fine_outcome, decided_on, summary, sections, body_text, parse_warnings, has_remedy,
    status, content_hash, parser_version, version, first_seen_at, last_fetched_at,
    last_changed_at)
SELECT m.reference, m.permalink, s.category, s.subcategory, s.outcome, s.outcome_label,
    s.finding, s.fine_outcome, CASE WHEN s.decided_on IS NOT NULL THEN m.decided_on END,
    s.summary, s.sections, s.body_text, s.parse_warnings, s.has_remedy, s.status,
    s.content_hash, s.parser_version, 1, now(), now(), now()
FROM bench_copy m JOIN decision s ON s.reference = m.source
ORDER BY m.decided_on, m.reference
"""
_LINKS_COPY = """
INSERT INTO decision_organisation (decision_id, organisation_id, position)
SELECT d.id, o.id, 0
FROM bench_copy m JOIN decision d ON d.reference = m.reference
JOIN organisation o ON o.name = m.organisation
"""
_REMEDY_COPY = """
INSERT INTO remedy (decision_id, fingerprint, position, type, sentence, amount, payee,
    deadline_text, due_on, current, status, revision, commitment, status_source)
SELECT d.id, r.fingerprint, r.position, r.type, r.sentence, r.amount, r.payee, r.deadline_text,
    r.due_on + (d.decided_on - s.decided_on), r.current, r.status, 1, r.commitment,
    r.status_source
FROM bench_copy m JOIN decision d ON d.reference = m.reference
JOIN decision s ON s.reference = m.source JOIN remedy r ON r.decision_id = s.id
"""
_VERSION_COPY = """
INSERT INTO decision_version (decision_id, version, content_hash, parser_version, changed_fields)
SELECT d.id, 1, d.content_hash, d.parser_version, v.changed_fields
FROM bench_copy m JOIN decision d ON d.reference = m.reference
JOIN decision s ON s.reference = m.source
JOIN decision_version v ON v.decision_id = s.id AND v.version = 1
"""


async def fill(database_url: str, total: int) -> int:
    """Copy decisions in until the database holds `total`; returns how many were added."""
    every = specs(total)
    conn = await asyncpg.connect(**asyncpg_args(database_url))
    try:
        stored = {r["reference"] for r in await conn.fetch("SELECT reference FROM decision")}
        missing = [s for s in every if s.reference not in stored]
        if not missing:
            return 0
        corpus_size = len(load_corpus())
        # spec i was rendered from corpus entry i % corpus_size; the first such was crawled.
        source = {i: every[i].reference for i in range(corpus_size)}
        await conn.execute(
            "CREATE TEMP TABLE bench_copy (reference text, source text, permalink text,"
            " organisation text, decided_on date)"
        )
        await conn.copy_records_to_table(
            "bench_copy",
            records=[_row(s, source[s.entry]) for s in missing],
        )
        async with conn.transaction():
            await conn.executemany(
                "INSERT INTO organisation (name, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [(name, kind_of(name).value) for name in {s.organisation for s in missing}],
            )
            for sql in (_DECISION_COPY, _LINKS_COPY, _REMEDY_COPY, _VERSION_COPY):
                await conn.execute(sql)
        await conn.execute("VACUUM ANALYZE")
        return len(missing)
    finally:
        await conn.close()


def _row(spec: Spec, source: str) -> tuple[str, str, str, str, object]:
    return (spec.reference, source, spec.path, spec.organisation, spec.decided_on)
