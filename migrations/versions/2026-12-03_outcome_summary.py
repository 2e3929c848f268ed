"""Outcome counts per organisation x category x month x status x outcome (`outcome_summary`),
kept by triggers in the same transaction as the decisions and their organisation links, and
filled from the decisions stored.

Statistics read summary rows instead of counting every decision, so their cost grows more
slowly than the corpus (one row per combination that occurs, not per decision). The triggers, not the
application, keep the counts, so every writer (ingest, reparse, withdrawals, an operator's SQL)
moves them. organisation_id 0 counts each decision once.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("organisation_id", "category", "subcategory", "month", "status", "outcome")

FUNCTIONS = """
CREATE FUNCTION outcome_summary_add(
    org integer, cat varchar, sub varchar, decided date, st varchar, outc varchar, delta integer
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO outcome_summary
        (organisation_id, category, subcategory, month, status, outcome, decisions)
    VALUES (org, cat, sub, date_trunc('month', decided)::date, st, outc, delta)
    ON CONFLICT (organisation_id, category, subcategory, month, status, outcome)
    DO UPDATE SET decisions = outcome_summary.decisions + EXCLUDED.decisions
$$
---
-- A decision counts once (organisation 0) and once for each organisation it names.
CREATE FUNCTION outcome_summary_decision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    link record;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM outcome_summary_add(0, OLD.category, OLD.subcategory, OLD.decided_on,
                                    OLD.status, OLD.outcome, -1);
        FOR link IN SELECT organisation_id FROM decision_organisation
                    WHERE decision_id = OLD.id LOOP
            PERFORM outcome_summary_add(link.organisation_id, OLD.category, OLD.subcategory,
                                        OLD.decided_on, OLD.status, OLD.outcome, -1);
        END LOOP;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM outcome_summary_add(0, NEW.category, NEW.subcategory, NEW.decided_on,
                                    NEW.status, NEW.outcome, 1);
        FOR link IN SELECT organisation_id FROM decision_organisation
                    WHERE decision_id = NEW.id LOOP
            PERFORM outcome_summary_add(link.organisation_id, NEW.category, NEW.subcategory,
                                        NEW.decided_on, NEW.status, NEW.outcome, 1);
        END LOOP;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$
---
-- A link added or removed moves its organisation's count; a link removed because its decision
-- is being deleted was already taken off by the decision's own trigger (it is gone by now).
CREATE FUNCTION outcome_summary_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d record;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT category, subcategory, decided_on, status, outcome INTO d
        FROM decision WHERE id = OLD.decision_id;
        IF FOUND THEN
            PERFORM outcome_summary_add(OLD.organisation_id, d.category, d.subcategory,
                                        d.decided_on, d.status, d.outcome, -1);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT category, subcategory, decided_on, status, outcome INTO d
        FROM decision WHERE id = NEW.decision_id;
        PERFORM outcome_summary_add(NEW.organisation_id, d.category, d.subcategory,
                                    d.decided_on, d.status, d.outcome, 1);
    END IF;
    RETURN NULL;
END
$$
---
-- TRUNCATE fires no row triggers: emptying the decisions (or only their links) empties the
-- counts they made.
CREATE FUNCTION outcome_summary_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'decision' THEN
        DELETE FROM outcome_summary;
    ELSE
        DELETE FROM outcome_summary WHERE organisation_id <> 0;
    END IF;
    RETURN NULL;
END
$$
"""

TRIGGERS = """
CREATE TRIGGER outcome_summary_decision_write
    AFTER INSERT OR UPDATE OF category, subcategory, decided_on, status, outcome ON decision
    FOR EACH ROW EXECUTE FUNCTION outcome_summary_decision()
---
-- Before the delete, while the decision's links (deleted by cascade) can still be read.
CREATE TRIGGER outcome_summary_decision_delete
    BEFORE DELETE ON decision
    FOR EACH ROW EXECUTE FUNCTION outcome_summary_decision()
---
CREATE TRIGGER outcome_summary_link_write
    AFTER INSERT OR DELETE OR UPDATE OF decision_id, organisation_id ON decision_organisation
    FOR EACH ROW EXECUTE FUNCTION outcome_summary_link()
---
CREATE TRIGGER outcome_summary_decision_truncate
    AFTER TRUNCATE ON decision
    FOR EACH STATEMENT EXECUTE FUNCTION outcome_summary_truncate()
---
CREATE TRIGGER outcome_summary_link_truncate
    AFTER TRUNCATE ON decision_organisation
    FOR EACH STATEMENT EXECUTE FUNCTION outcome_summary_truncate()
"""

FILL = """
INSERT INTO outcome_summary
    (organisation_id, category, subcategory, month, status, outcome, decisions)
SELECT 0, category, subcategory, date_trunc('month', decided_on)::date, status, outcome, count(*)
FROM decision GROUP BY 2, 3, 4, 5, 6
UNION ALL
SELECT l.organisation_id, d.category, d.subcategory, date_trunc('month', d.decided_on)::date,
       d.status, d.outcome, count(*)
FROM decision_organisation l JOIN decision d ON d.id = l.decision_id
GROUP BY 1, 2, 3, 4, 5, 6
"""


def upgrade() -> None:
    op.create_table(
        "outcome_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("subcategory", sa.String(length=200), nullable=True),
        sa.Column("month", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_summary")),
    )
    op.create_index(
        "ux_outcome_summary_key",
        "outcome_summary",
        list(KEY),
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    # The table is filled while the decisions cannot change, then kept by the triggers.
    op.execute("LOCK TABLE decision, decision_organisation IN SHARE ROW EXCLUSIVE MODE")
    for statement in (FUNCTIONS + "\n---\n" + TRIGGERS).split("\n---\n"):
        op.execute(statement)  # one statement each: asyncpg prepares what it runs
    op.execute(FILL)


def downgrade() -> None:
    op.execute("DROP TRIGGER outcome_summary_link_truncate ON decision_organisation")
    op.execute("DROP TRIGGER outcome_summary_decision_truncate ON decision")
    op.execute("DROP TRIGGER outcome_summary_link_write ON decision_organisation")
    op.execute("DROP TRIGGER outcome_summary_decision_delete ON decision")
    op.execute("DROP TRIGGER outcome_summary_decision_write ON decision")
    op.execute("DROP FUNCTION outcome_summary_truncate()")
    op.execute("DROP FUNCTION outcome_summary_link()")
    op.execute("DROP FUNCTION outcome_summary_decision()")
    op.execute(
        "DROP FUNCTION outcome_summary_add(integer, varchar, varchar, date, varchar, varchar, integer)"
    )
    op.drop_index("ux_outcome_summary_key", table_name="outcome_summary")
    op.drop_table("outcome_summary")
