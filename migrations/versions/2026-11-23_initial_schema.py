"""Initial schema: organisations, decisions, raw pages, remedies, ingest runs, API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:26:12.924711
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("name", name=op.f("uq_api_key_name")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )
    op.create_table(
        "ingest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_key", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ingest_reference",
                "crawl",
                "refresh",
                "recheck",
                "reparse",
                name="runkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                name="runstatus",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_run")),
    )
    op.create_index("ix_ingest_run_created_at", "ingest_run", ["created_at"], unique=False)
    op.create_index(op.f("ix_ingest_run_job_key"), "ingest_run", ["job_key"], unique=False)
    op.create_index(op.f("ix_ingest_run_status"), "ingest_run", ["status"], unique=False)
    op.create_table(
        "listing_fetch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=True),
        sa.Column("search_shell", sa.Boolean(), nullable=False),
        sa.Column(
            "fetched_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_fetch")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "county",
                "district",
                "london_borough",
                "metropolitan",
                "unitary",
                "care_provider",
                "other",
                name="organisationkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    op.create_index(
        "ix_organisation_name_lower",
        "organisation",
        [sa.literal_column("lower(name)")],
        unique=False,
    )
    op.create_table(
        "raw_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=10), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=False),
        sa.Column("etag", sa.String(length=300), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("body_zlib", sa.LargeBinary(), nullable=False),
        sa.Column("body_size", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_page")),
    )
    op.create_index(
        "ix_raw_page_reference_fetched_at", "raw_page", ["reference", "fetched_at"], unique=False
    )
    op.create_table(
        "crawl_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("organisation", sa.String(length=300), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("next_page", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_run.id"],
            name=op.f("fk_crawl_window_run_id_ingest_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_window")),
        sa.UniqueConstraint(
            "starts_on", "ends_on", "organisation", name=op.f("uq_crawl_window_starts_on")
        ),
    )
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=10), nullable=False),
        sa.Column("permalink", sa.String(length=400), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=True),
        sa.Column("subcategory", sa.String(length=200), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "upheld",
                "not_upheld",
                "closed_after_initial_enquiries",
                name="outcome",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("outcome_label", sa.String(length=200), nullable=True),
        sa.Column(
            "finding",
            sa.Enum(
                "fault_and_injustice",
                "fault_no_injustice",
                "no_fault",
                "remedied_before_decision",
                "out_of_jurisdiction",
                "premature",
                "not_investigated",
                name="finding",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("fine_outcome", sa.String(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("sections", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("parse_warnings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("has_remedy", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "published",
                "withdrawn",
                name="publicationstatus",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("parser_version", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "first_seen_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('english', coalesce(summary, '')), 'A') || setweight(to_tsvector('english', coalesce(body_text, '')), 'B')",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["raw_page_id"],
            ["raw_page.id"],
            name=op.f("fk_decision_raw_page_id_raw_page"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint("reference", name=op.f("uq_decision_reference")),
    )
    op.create_index(
        "ix_decision_category_subcategory", "decision", ["category", "subcategory"], unique=False
    )
    op.create_index("ix_decision_decided_on_id", "decision", ["decided_on", "id"], unique=False)
    op.create_index(op.f("ix_decision_has_remedy"), "decision", ["has_remedy"], unique=False)
    op.create_index(
        "ix_decision_last_changed_at_id", "decision", ["last_changed_at", "id"], unique=False
    )
    op.create_index("ix_decision_outcome", "decision", ["outcome"], unique=False)
    op.create_index(
        "ix_decision_search_vector",
        "decision",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(op.f("ix_decision_status"), "decision", ["status"], unique=False)
    op.create_table(
        "ingest_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=10), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["raw_page_id"],
            ["raw_page.id"],
            name=op.f("fk_ingest_failure_raw_page_id_raw_page"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_run.id"],
            name=op.f("fk_ingest_failure_run_id_ingest_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_failure")),
    )
    op.create_index("ix_ingest_failure_created_at", "ingest_failure", ["created_at"], unique=False)
    op.create_index(
        op.f("ix_ingest_failure_reference"), "ingest_failure", ["reference"], unique=False
    )
    op.create_index(op.f("ix_ingest_failure_run_id"), "ingest_failure", ["run_id"], unique=False)
    op.create_table(
        "decision_organisation",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_organisation_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_decision_organisation_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "decision_id", "organisation_id", name=op.f("pk_decision_organisation")
        ),
    )
    op.create_index(
        "ix_decision_organisation_org",
        "decision_organisation",
        ["organisation_id", "decision_id"],
        unique=False,
    )
    op.create_table(
        "decision_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("parser_version", sa.String(length=20), nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.Column("changed_fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_version_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_page_id"],
            ["raw_page.id"],
            name=op.f("fk_decision_version_raw_page_id_raw_page"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_version")),
        sa.UniqueConstraint("decision_id", "version", name=op.f("uq_decision_version_decision_id")),
    )
    op.create_table(
        "remedy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "apology",
                "financial_payment",
                "staff_training",
                "procedure_review",
                "reassessment",
                "provide_service",
                "refund_or_waive",
                "explanation",
                "review_decision",
                "other",
                name="remedytype",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("payee", sa.String(length=200), nullable=True),
        sa.Column("deadline_text", sa.String(length=200), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "completed",
                "overdue",
                "not_required",
                name="remedystatus",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("evidence_note", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_remedy_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remedy")),
        sa.UniqueConstraint("decision_id", "fingerprint", name=op.f("uq_remedy_decision_id")),
    )
    op.create_index(op.f("ix_remedy_decision_id"), "remedy", ["decision_id"], unique=False)
    op.create_index("ix_remedy_due_on_id", "remedy", ["due_on", "id"], unique=False)
    op.create_index("ix_remedy_type_due_on", "remedy", ["type", "due_on"], unique=False)
    op.create_table(
        "remedy_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remedy_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["remedy_id"],
            ["remedy.id"],
            name=op.f("fk_remedy_event_remedy_id_remedy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remedy_event")),
    )
    op.create_index(op.f("ix_remedy_event_remedy_id"), "remedy_event", ["remedy_id"], unique=False)


def downgrade() -> None:

    op.drop_index(op.f("ix_remedy_event_remedy_id"), table_name="remedy_event")
    op.drop_table("remedy_event")
    op.drop_index("ix_remedy_type_due_on", table_name="remedy")
    op.drop_index("ix_remedy_due_on_id", table_name="remedy")
    op.drop_index(op.f("ix_remedy_decision_id"), table_name="remedy")
    op.drop_table("remedy")
    op.drop_table("decision_version")
    op.drop_index("ix_decision_organisation_org", table_name="decision_organisation")
    op.drop_table("decision_organisation")
    op.drop_index(op.f("ix_ingest_failure_run_id"), table_name="ingest_failure")
    op.drop_index(op.f("ix_ingest_failure_reference"), table_name="ingest_failure")
    op.drop_index("ix_ingest_failure_created_at", table_name="ingest_failure")
    op.drop_table("ingest_failure")
    op.drop_index(op.f("ix_decision_status"), table_name="decision")
    op.drop_index("ix_decision_search_vector", table_name="decision", postgresql_using="gin")
    op.drop_index("ix_decision_outcome", table_name="decision")
    op.drop_index("ix_decision_last_changed_at_id", table_name="decision")
    op.drop_index(op.f("ix_decision_has_remedy"), table_name="decision")
    op.drop_index("ix_decision_decided_on_id", table_name="decision")
    op.drop_index("ix_decision_category_subcategory", table_name="decision")
    op.drop_table("decision")
    op.drop_table("crawl_window")
    op.drop_index("ix_raw_page_reference_fetched_at", table_name="raw_page")
    op.drop_table("raw_page")
    op.drop_index("ix_organisation_name_lower", table_name="organisation")
    op.drop_table("organisation")
    op.drop_table("listing_fetch")
    op.drop_index(op.f("ix_ingest_run_status"), table_name="ingest_run")
    op.drop_index(op.f("ix_ingest_run_job_key"), table_name="ingest_run")
    op.drop_index("ix_ingest_run_created_at", table_name="ingest_run")
    op.drop_table("ingest_run")
    op.drop_table("api_key")
