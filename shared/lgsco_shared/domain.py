"""Enums and value types that both services use: the closed vocabularies of the product."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """The outcome as the LGSCO publishes it on a decision page."""

    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"
    CLOSED_AFTER_INITIAL_ENQUIRIES = "closed_after_initial_enquiries"


# "Closed after initial enquiries" -> Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES, as printed on pages.
OUTCOME_LABELS: dict[str, Outcome] = {
    "upheld": Outcome.UPHELD,
    "not upheld": Outcome.NOT_UPHELD,
    "closed after initial enquiries": Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES,
}


# The finer outcomes councils report (Kent 2023-24, appendix 5), in the order their tables print
# them. This service infers them from a decision's text; the LGSCO's pages print only the broad
# outcome.
_CLOSED = Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES
FINE_OUTCOMES: tuple[tuple[Outcome, str], ...] = (
    (Outcome.UPHELD, "Upheld: fault and injustice"),
    (Outcome.UPHELD, "Upheld: fault, no injustice"),
    (Outcome.UPHELD, "Upheld: no further action"),
    (Outcome.NOT_UPHELD, "Not upheld: no fault"),
    (Outcome.NOT_UPHELD, "Not upheld: no further action"),
    (_CLOSED, "Closed after initial enquiries – no further action"),
    (_CLOSED, "Closed after initial enquiries – out of jurisdiction"),
    (_CLOSED, "Referred back for local resolution"),
)


class Finding(StrEnum):
    """What the Ombudsman found, where the text states it (finer than the outcome)."""

    FAULT_AND_INJUSTICE = "fault_and_injustice"
    FAULT_NO_INJUSTICE = "fault_no_injustice"
    NO_FAULT = "no_fault"
    REMEDIED_BEFORE_DECISION = "remedied_before_decision"
    OUT_OF_JURISDICTION = "out_of_jurisdiction"
    PREMATURE = "premature"
    NOT_INVESTIGATED = "not_investigated"


class RemedyType(StrEnum):
    APOLOGY = "apology"
    FINANCIAL_PAYMENT = "financial_payment"
    STAFF_TRAINING = "staff_training"
    PROCEDURE_REVIEW = "procedure_review"
    REASSESSMENT = "reassessment"
    PROVIDE_SERVICE = "provide_service"
    REFUND_OR_WAIVE = "refund_or_waive"
    EXPLANATION = "explanation"
    REVIEW_DECISION = "review_decision"
    OTHER = "other"


class RemedyStatus(StrEnum):
    """Stored tracking status; `overdue` is derived from the due date and never stored.

    `offered`: the body offered it and the decision does not say it was paid or accepted, so it
    is neither done nor owed until a council records what became of it.
    """

    PENDING = "pending"
    COMPLETED = "completed"
    OVERDUE = "overdue"
    OFFERED = "offered"
    NOT_REQUIRED = "not_required"


class RemedyCommitment(StrEnum):
    """How the decision states a remedy, read from its verb ("has apologised", "will pay",
    "should review", "offered £200"); always inferred from prose."""

    ALREADY_DONE = "already_done"
    AGREED = "agreed"
    RECOMMENDED = "recommended"
    OFFERED = "offered"


class Provenance(StrEnum):
    """Where a value comes from: printed as such on the page, read from prose by this service,
    or recorded by a council through the API."""

    STATED = "stated"
    INFERRED = "inferred"
    RECORDED = "recorded"


class PublicationStatus(StrEnum):
    """Whether the site serves the decision's page. The record is kept whatever the answer.

    The LGSCO keeps decisions online for five years: a page gone at about that age is
    `archived`; one gone sooner was `withdrawn` (after a review, for instance). A page back
    after being gone is `published` again, with `republished_on` set.
    """

    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"


# Taken down when the decision is older than this: aged out, not withdrawn. Five years, less a
# margin for the site counting from publication (weeks after the decision date) or a little early.
ARCHIVE_AFTER_DAYS = 5 * 365 - 90


class OrganisationKind(StrEnum):
    """Kind of body, used to compare like with like: a council's type from the reference table
    of English local authorities (the City of London counts with the London boroughs, the Isles
    of Scilly with the unitary councils); `care_provider` for a registered company that an adult
    care decision names; `other` for another statutory body; `unknown` where nothing says which
    (a council not in the table, or a company no adult care decision names, until an operator
    maps it)."""

    COUNTY = "county"
    DISTRICT = "district"
    LONDON_BOROUGH = "london_borough"
    METROPOLITAN = "metropolitan"
    UNITARY = "unitary"
    CARE_PROVIDER = "care_provider"
    OTHER = "other"
    UNKNOWN = "unknown"


class RunKind(StrEnum):
    INGEST_REFERENCE = "ingest_reference"
    CRAWL = "crawl"
    REFRESH = "refresh"
    RECHECK = "recheck"
    REPARSE = "reparse"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"  # stopped at an operator's request (at the crawl's next checkpoint)


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # deliveries failed for LGSCO_WEBHOOK_RETRY_HOURS; the reason is kept
    DELETED = "deleted"  # by its owner; kept with its deliveries, never sent to again


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (again after a failed attempt)
    DELIVERED = "delivered"
    DEAD = "dead"  # retries ran out: the subscription is suspended
    CANCELLED = "cancelled"  # its subscription was deleted or suspended before it was sent


# A run in one of these has finished: nothing more happens to it.
FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class ScheduleKind(StrEnum):
    """What a schedule asks for at each due time (its `params` are checked per kind).

    `refresh`: re-read the last `months` months by decision date (the daily refresh);
    `crawl`: crawl the last `months` months, optionally of one `organisation`, optionally
    re-reading completed months (`refresh`); `recheck`: the withdrawal recheck's daily slice.
    """

    REFRESH = "refresh"
    CRAWL = "crawl"
    RECHECK = "recheck"


class ScheduleRunStatus(StrEnum):
    """What became of one due time of a schedule."""

    CREATED = "created"  # a run was created for it
    SKIPPED = "skipped"  # not run: the schedule's previous run was still queued or running


class FetchResult(StrEnum):
    """What happened to one reference in a run: one line of `lgsco ingest` output."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"  # taken down at about five years
    REPUBLISHED = "republished"  # back after being taken down (maybe changed)
    NOT_FOUND = "not_found"
    FAILED = "failed"


# Carried by every record the API returns, every webhook payload and every console page.
ATTRIBUTION = (
    "Contains decisions published by the Local Government and Social Care Ombudsman (LGSCO), "
    "re-used with attribution; the LGSCO's published page is the authoritative version."
)
