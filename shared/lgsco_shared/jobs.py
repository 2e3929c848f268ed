"""The contract between the API and the ingest worker: job requests and their stable keys.

A request becomes an `ingest_run` row (what operations see) and an arq job whose only argument
is the run id, so the job always re-reads the current row. The same request while one is
queued or running returns that run instead of starting another.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lgsco_shared import crawlrange, references
from lgsco_shared.domain import RunKind

# arq function names (services/ingest/lgsco_ingest/worker.py registers functions with these names)
RUN_JOB = "run_ingest"


class IngestReferenceRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "ingest_reference", "reference": "22 003 374"}]},
    )

    kind: Literal["ingest_reference"]
    reference: str = Field(description="Any form: '22 003 374', '22-003-374', '22003374'.")

    @field_validator("reference")
    @classmethod
    def _canonical(cls, value: str) -> str:
        return references.normalise(value)

    def job_key(self) -> str:
        return f"ingest_reference:{self.reference}"

    @property
    def run_kind(self) -> RunKind:
        return RunKind.INGEST_REFERENCE


class CrawlRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {"kind": "crawl", "from": "2024-01-01", "to": "2024-01-31", "organisation": None}
            ]
        },
    )

    kind: Literal["crawl"]
    from_: date = Field(alias="from", description="First decision date of the window.")
    to: date = Field(description="Last decision date of the window (inclusive).")
    organisation: str | None = Field(default=None, max_length=300)
    refresh: bool = Field(
        default=False,
        description=(
            "Re-read windows an earlier crawl completed (conditional requests: an unchanged "
            "page costs a 304), to find decisions published since. Without it, completed "
            "months are skipped; the current month is always read."
        ),
    )

    @model_validator(mode="after")
    def _ordered(self) -> CrawlRequest:
        if self.to < self.from_:
            raise ValueError("'to' must not be before 'from'")
        today = datetime.now(UTC).date()
        if self.from_ > today:
            raise ValueError(
                f"'from' ({self.from_}) is after today ({today}): no decision is dated in the "
                "future, so there is nothing to crawl"
            )
        # A 'to' after today is crawled up to today (the run's params show the date used).
        self.to = min(self.to, today)
        # Bounded by the default here; the API, the console and the CLI check their setting.
        refused = crawlrange.refusal(self.from_, self.to, crawlrange.DEFAULT_MAX_MONTHS * 10)
        if refused is not None:
            raise ValueError(refused)
        return self

    def job_key(self) -> str:
        # ingest_run.job_key holds 200 characters: a long organisation name goes in as its hash.
        organisation = self.organisation or ""
        if len(organisation) > 120:
            organisation = "sha256:" + hashlib.sha256(organisation.encode()).hexdigest()
        refresh = ":refresh" if self.refresh else ""
        return f"crawl:{self.from_}:{self.to}:{organisation}{refresh}"

    @property
    def run_kind(self) -> RunKind:
        return RunKind.CRAWL


JobRequest = Annotated[IngestReferenceRequest | CrawlRequest, Field(discriminator="kind")]
