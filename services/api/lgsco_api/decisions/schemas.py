"""Decision list items, the full record, a page of results, and the query parameters that
filter them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lgsco_api.decisions.criteria import DecisionFilters, DecisionSort
from lgsco_api.kit.query import Cursor, FinancialYear, Limit, Name, QueryModel
from lgsco_api.kit.schemas import IsoDate, IsoDateTime, source_url
from lgsco_shared.domain import (
    ATTRIBUTION,
    Finding,
    Outcome,
    Provenance,
    PublicationStatus,
    RemedyCommitment,
    RemedyStatus,
    RemedyType,
)


class OrganisationRef(BaseModel):
    """An organisation a decision is about: the same object in lists and in the full record."""

    id: int = Field(description="Organisation id (GET /v1/organisations/{id}).", examples=[7])
    name: str = Field(description="Name as the LGSCO prints it.", examples=["Kent County Council"])
    kind: str = Field(
        description="Kind of body (county, district, unitary, metropolitan, london_borough, "
        "care_provider, other, unknown): the peer group /v1/stats/compare uses.",
        examples=["county"],
    )


def _only_always_fields_required(schema: dict[str, Any]) -> None:
    # `fields=` may leave any member out but these three, so the schema must not require more.
    schema["required"] = list(ALWAYS_FIELDS)


OUTCOME_DOC = (
    "The outcome the LGSCO publishes on the page (upheld, not upheld, closed after "
    "initial enquiries); null where the page prints none or an unknown label."
)
OUTCOME_LABEL_DOC = "The outcome exactly as printed on the page."
FINE_OUTCOME_DOC = (
    'The finer outcome councils report ("Upheld: fault and injustice"), INFERRED by this '
    "service from the decision's text and the published outcome: not a label the LGSCO prints. "
    "Null where the text does not tell."
)
FINDING_DOC = (
    "What the Ombudsman found (fault and injustice, fault without injustice, no fault, remedied "
    "before the decision, premature, out of jurisdiction, not investigated), INFERRED from the "
    "summary (or the Final decision section); null where the text does not tell."
)
SOURCE_DOC = "`stated`: printed on the page; `inferred`: read from prose; null with no value."


# Declared once, used by the list item and the full record alike.
Source = Annotated[Provenance | None, Field(description=SOURCE_DOC)]
FindingField = Annotated[Finding | None, Field(description=FINDING_DOC)]
StatusField = Annotated[
    PublicationStatus,
    Field(
        description=(
            "published: online. archived: taken down at about five years, as the LGSCO does "
            "with every decision. withdrawn: taken down sooner. The record is kept and served "
            "either way."
        )
    ),
]
WithdrawnOn = Annotated[
    date | None, Field(description="When the page was last found gone (archived or withdrawn).")
]
RepublishedOn = Annotated[
    date | None,
    Field(
        description="When the page last came back after being taken down; its versions say "
        "what changed."
    ),
]


def _add_sources(values: Any) -> Any:
    """Each derived field says where it came from: the published outcome is stated on the page;
    the finding and the finer outcome are read from prose."""
    if isinstance(values, dict):
        for name, source in (
            ("outcome", Provenance.STATED),
            ("finding", Provenance.INFERRED),
            ("fine_outcome", Provenance.INFERRED),
        ):
            if name in values:
                values.setdefault(f"{name}_source", source if values[name] is not None else None)
    return values


class DecisionItem(BaseModel):
    """One decision in a list; `fields=` chooses which of these appear."""

    model_config = ConfigDict(json_schema_extra=_only_always_fields_required)
    _sources = model_validator(mode="before")(_add_sources)

    id: int
    reference: str = Field(examples=["22 003 374"])
    organisations: list[OrganisationRef] = Field(
        description="The bodies the decision is about, in the page's order, as objects like "
        "those of the full record (before this release, a list of names: see "
        "organisation_names)."
    )
    organisation_names: list[str] = Field(
        default_factory=list,
        deprecated=True,
        description="The organisations' names only, as list items gave them before they gave "
        "objects; kept for existing clients, to be removed in a later version.",
        examples=[["Kent County Council"]],
    )
    category: str | None = Field(examples=["Adult care services"])
    subcategory: str | None = Field(examples=["Assessment and care plan"])
    outcome: Outcome | None = Field(description=OUTCOME_DOC)
    outcome_source: Source = None
    outcome_label: str | None = Field(
        examples=["Closed after initial enquiries"], description=OUTCOME_LABEL_DOC
    )
    fine_outcome: str | None = Field(
        examples=["Upheld: fault and injustice"], description=FINE_OUTCOME_DOC
    )
    fine_outcome_source: Source = None
    finding: FindingField
    finding_source: Source = None
    decided_on: date | None
    financial_year: str | None = Field(examples=["2022-23"])
    summary: str
    has_remedy: bool
    status: StatusField
    withdrawn_on: WithdrawnOn
    republished_on: RepublishedOn
    first_seen_at: datetime
    last_changed_at: datetime
    source_url: str = Field(
        examples=[
            "https://www.lgo.org.uk/decisions/adult-care-services/assessment-and-care-plan/22-003-374"
        ]
    )
    attribution: str
    rank: float | None = Field(default=None, description="Full-text rank, with q only.")
    snippet: str | None = Field(
        default=None, description="Matching text with <mark> around the hits, with q only."
    )


LIST_FIELDS = tuple(DecisionItem.model_fields)
ALWAYS_FIELDS = ("reference", "source_url", "attribution")


class Ranking(BaseModel):
    """How a full-text search was ranked: relevance orders the newest `ranked` of its matches."""

    matches: int = Field(description="Decisions matching q and every filter.", examples=[18234])
    ranked: int = Field(description="The newest of those, ranked by relevance.", examples=[1000])
    note: str = Field(
        description="The same, in words.",
        examples=["top 1,000 of 18,234 matches by date, ranked by relevance"],
    )


class DecisionPage(BaseModel):
    items: list[DecisionItem] = Field(description="fields= may leave out some members.")
    next_cursor: str | None = Field(
        description="Pass as cursor= for the next page; null on the last page."
    )
    limit: int
    sort: DecisionSort
    ranking: Ranking | None = Field(
        None,
        description="With sort=relevance: how many matched and how many of them were ranked "
        "(the newest LGSCO_SEARCH_RANKED). Narrow a common word with filters, or sort by date, "
        "to read past them.",
    )
    attribution: str


def ranking(matches: int, ranked: int) -> Ranking:
    if matches <= ranked:
        return Ranking(matches=matches, ranked=matches, note=f"all {matches:,} matches ranked")
    note = f"top {ranked:,} of {matches:,} matches by date, ranked by relevance"
    return Ranking(matches=matches, ranked=ranked, note=note)


class Section(BaseModel):
    heading: str
    paragraphs: list[str]


class RemedyBrief(BaseModel):
    id: int
    type: RemedyType
    sentence: str
    amount: Decimal | None
    payee: str | None
    deadline_text: str | None
    due_on: date | None
    commitment: RemedyCommitment = Field(
        description="How the decision states it, inferred from the verb: already_done, agreed, "
        "recommended or offered."
    )
    status: RemedyStatus = Field(description="`overdue` when pending past its due date.")
    status_source: Provenance = Field(
        description="`inferred` from the decision's wording, or `recorded` by a council."
    )
    completed_on: date | None
    current: bool = Field(description="False when a later version of the page no longer states it.")


class VersionRead(BaseModel):
    version: int
    recorded_at: datetime
    content_hash: str
    parser_version: str
    changed_fields: list[str]


class DecisionRead(BaseModel):
    """The full record of one decision."""

    _sources = model_validator(mode="before")(_add_sources)

    id: int
    reference: str
    organisations: list[OrganisationRef]
    category: str | None
    subcategory: str | None
    outcome: Outcome | None = Field(description=OUTCOME_DOC)
    outcome_source: Source = None
    outcome_label: str | None = Field(description=OUTCOME_LABEL_DOC)
    fine_outcome: str | None = Field(description=FINE_OUTCOME_DOC)
    fine_outcome_source: Source = None
    finding: FindingField
    finding_source: Source = None
    decided_on: date | None
    financial_year: str | None
    summary: str
    sections: list[Section]
    remedies: list[RemedyBrief]
    has_remedy: bool
    status: StatusField
    withdrawn_on: WithdrawnOn
    republished_on: RepublishedOn
    parse_warnings: list[str]
    version: int
    versions: list[VersionRead]
    first_seen_at: datetime
    last_fetched_at: datetime
    last_changed_at: datetime
    source_url: str
    attribution: str


def _item_values(row: Mapping[Any, Any], site_url: str) -> dict[str, Any]:
    data = dict(row)  # a plain dict: a row mapping's `in` costs ~2 us, 26 times an item
    values = {k: data[k] for k in LIST_FIELDS if k in data}
    values["organisations"] = list(row["organisations"] or [])
    values["organisation_names"] = [o["name"] for o in values["organisations"]]
    values["source_url"] = source_url(site_url, row["permalink"])
    values["attribution"] = ATTRIBUTION
    return values


def item_from_row(row: Mapping[Any, Any], site_url: str) -> DecisionItem:
    return DecisionItem.model_validate(_item_values(row, site_url))


_ITEMS = TypeAdapter(list[DecisionItem])


def items_json(
    rows: Sequence[Mapping[Any, Any]], site_url: str, columns: Sequence[str]
) -> list[dict[str, Any]]:
    """A page of items as JSON-ready dicts holding only `columns`: one validation and one dump
    for the whole page rather than one of each per row."""
    items = _ITEMS.validate_python([_item_values(row, site_url) for row in rows])
    dumped: list[dict[str, Any]] = _ITEMS.dump_python(
        items, mode="json", include={"__all__": set(columns)}
    )
    return dumped


def pick_fields(fields: str | None) -> tuple[str, ...]:
    """`fields=reference,outcome` -> chosen columns in a stable order; ValueError names typos."""
    if fields is None:
        return tuple(f for f in LIST_FIELDS if f not in ("rank", "snippet"))
    chosen = {f.strip() for f in fields.split(",") if f.strip()}
    unknown = sorted(chosen - set(LIST_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(unknown)}; choose from {', '.join(LIST_FIELDS)}"
        )
    chosen |= set(ALWAYS_FIELDS)
    return tuple(f for f in LIST_FIELDS if f in chosen)


# Query parameters ----------------------------------------------------------------------------


class DecisionFilterQuery(QueryModel):
    """Every filter of /v1/decisions, also taken by /v1/categories and /v1/stats/outcomes."""

    organisation: list[Name] | None = Field(
        None,
        description="Organisation id or exact name (any case); repeat for several.",
        examples=[["Kent County Council"]],
    )
    category: Name | None = Field(
        None, description="Category, exact (any case).", examples=["Adult care services"]
    )
    subcategory: Name | None = Field(
        None, description="Subcategory, exact (any case).", examples=["Charging"]
    )
    outcome: list[Outcome] | None = Field(None, description="Outcome; repeat for several.")
    decided_from: IsoDate | None = Field(None, description="First decision date (inclusive).")
    decided_to: IsoDate | None = Field(None, description="Last decision date (inclusive).")
    financial_year: FinancialYear | None = Field(
        None, description="1 April to 31 March, written 2023-24."
    )
    q: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        description='Full text over summary and body, web-search syntax: `"care home" -fees`.',
        examples=["care home charges"],
    )
    has_remedy: bool | None = Field(None, description="Only decisions with remedies (or without).")
    status: PublicationStatus | None = Field(
        None,
        description="published (online), archived (taken down at about five years) or "
        "withdrawn (taken down sooner).",
    )
    republished: bool | None = Field(
        None, description="Only decisions taken down and published again (or never taken down)."
    )
    changed_since: IsoDateTime | None = Field(
        None,
        description="Created, changed, taken down or republished after this time (UTC if no "
        "offset).",
    )

    @field_validator("decided_to")
    @classmethod
    def _not_before_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("decided_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before decided_from")
        return value

    def criteria(self) -> DecisionFilters:
        """What the queries read: repeated values as tuples, each outcome once."""
        values = self.model_dump(include=set(DecisionFilters.model_fields))
        return DecisionFilters(
            **values
            | {
                "organisation": tuple(self.organisation or ()),
                "outcome": tuple(dict.fromkeys(self.outcome or ())),
            }
        )


class DecisionListQuery(DecisionFilterQuery):
    """GET /v1/decisions: the filters, and how to order, page and shape the rows."""

    sort: DecisionSort | None = Field(
        None,
        description="Default: relevance with q, changed_at with changed_since, else newest.",
    )
    limit: Limit | None = None
    cursor: Cursor | None = None
    fields: str | None = Field(
        None,
        max_length=500,
        description="Comma-separated fields to return.",
        examples=["reference,outcome"],
    )
    format: Literal["json", "csv"] | None = Field(
        None, description="csv streams every matching row (from cursor, up to limit)."
    )
