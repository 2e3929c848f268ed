"""What each field of the API means, written once and given to every schema property that
declares no description of its own (lgsco_api.kit.openapi applies it).

`FIELDS` holds the meaning a name has wherever it appears; `IN_SCHEMA` the few names whose
meaning depends on the object ("status" of a run is not the status of a remedy).
"""

from __future__ import annotations

from lgsco_shared.domain import ATTRIBUTION

OUTCOME_MODEL = (
    "Three fields describe what happened to a complaint, from the most certain to the least. "
    "`outcome` is what the LGSCO publishes on the decision's page (upheld, not_upheld, "
    "closed_after_initial_enquiries), with `outcome_label` the words as printed. "
    '`fine_outcome` is the finer outcome councils report in their annual tables ("Upheld: '
    'fault and injustice", "Not upheld: no fault", "Closed after initial enquiries – out of '
    'jurisdiction"...), inferred by this service from the text and the published outcome. '
    "`finding` is what the Ombudsman found (fault_and_injustice, fault_no_injustice, no_fault, "
    "remedied_before_decision, premature, out_of_jurisdiction, not_investigated), inferred "
    "from the summary. Each inferred field is null where the text does not tell, and "
    "`*_source` says whether a value was stated or inferred."
)

FIELDS: dict[str, str] = {
    "id": "Identifier, stable for the life of the record.",
    "reference": "The LGSCO's case reference, written as on its site: 23 005 403.",
    "decision_reference": "Reference of the decision the remedy comes from.",
    "organisations": "The bodies the decision is about, in the page's order: id, name, kind.",
    "organisation": "The organisation concerned: id, name and kind.",
    "category": "The LGSCO's category (Adult care services, Education...); null if not printed.",
    "subcategory": "The LGSCO's subcategory within the category; null if not printed.",
    "decided_on": "Decision date printed on the page (ISO 8601); null if none.",
    "decided_on_text": 'Decision date as councils print it: "5 December 2023".',
    "financial_year": "Financial year (1 April to 31 March) of the decision date: 2023-24.",
    "summary": "The decision's summary as published.",
    "sections": "The decision's text by section, as published.",
    "heading": "Section heading as printed.",
    "paragraphs": "The section's paragraphs, in order.",
    "remedies": "Remedies the decision states, as read from its text.",
    "has_remedy": "Whether the decision states at least one remedy.",
    "parse_warnings": "What the parser could not read on the page (empty when all was read).",
    "version": "Content version: 1 on first sight, one more at each change of the page.",
    "versions": "Every content version the page has had, oldest first.",
    "recorded_at": "When this version was stored.",
    "content_hash": "SHA-256 of the page's decision content.",
    "parser_version": "Version of the parser that read this content.",
    "changed_fields": "Fields that differ from the previous version.",
    "first_seen_at": "When this service first stored the decision.",
    "last_fetched_at": "When the page was last fetched.",
    "last_changed_at": "When the stored record last changed (content, publication status).",
    "source_url": "The LGSCO's published page: the authoritative version.",
    "attribution": "Attribution the LGSCO's re-use terms require; show it with the data.",
    "limit": "Most items a page holds (the `limit` asked for).",
    "items": "The items of this page.",
    "next_cursor": (
        "Opaque cursor for the next page (pass as `cursor`); null on the last page. Also sent "
        'as `Link: <url>; rel="next"`.'
    ),
    "total": "How many there are in all.",
    "sort": "Order of the items.",
    "filters": "The filters applied, as given.",
    "decisions": "Number of decisions.",
    "upheld": "Decisions whose published outcome is upheld.",
    "not_upheld": "Decisions whose published outcome is not upheld.",
    "closed_after_initial_enquiries": "Decisions closed after initial enquiries.",
    "latest_decided_on": "Latest decision date among its decisions.",
    "by_financial_year": "The same counts per financial year, latest first.",
    "name": "Name as the LGSCO prints it.",
    "kind": (
        "Kind of body: county, district, unitary, metropolitan, london_borough (a council's "
        "type from the reference table of English local authorities), care_provider (a "
        "company an Adult care services decision names), other, or unknown until an operator "
        "maps it."
    ),
    "subcategories": "Subcategories with their decision counts.",
    "categories": "Categories with their decision counts.",
    "group_by": "What the groups are.",
    "overall": "Counts over every decision matching the filters.",
    "groups": "Counts per group, busiest first (dates: latest first).",
    "broad_outcome": "The published outcome: upheld, not_upheld, closed_after_initial_enquiries.",
    "this_organisation": "Figures for the organisation compared.",
    "same_kind": "Figures for every organisation of its kind (its peer group).",
    "all_organisations": "Figures for every organisation.",
    "decisions_per_organisation": "Decision links per organisation counted; null with none.",
    "remedies_per_upheld_decision": "Remedies agreed per upheld decision; null with none upheld.",
    "period": "First and last day of the financial year.",
    "outcomes": "Decisions per outcome, every outcome present (zeros included).",
    "remedies_total": "Remedies agreed on these decisions.",
    "type": "Remedy type: apology, financial_payment, staff_training, procedure_review, ...",
    "sentence": "The sentence of the decision that states the remedy.",
    "amount": "Sum of money the remedy states (pounds); null if it states none.",
    "payee": "Who is to be paid, where the sentence says.",
    "deadline_text": "The deadline as the decision words it.",
    "due_on": "Due date worked out from the deadline and the decision date; null if none.",
    "completed_on": "When the council completed the remedy, as recorded.",
    "evidence_note": "A council's note on the evidence of completion.",
    "current": "Whether the current page still states the remedy.",
    "updated_at": "When a council last recorded a change.",
    "updated_by": "Name of the API key that recorded the last change.",
    "action": "What the remedy asks, in the council's words.",
    "by_type": "Remedies per type.",
    "by_status": "Remedies per tracking status.",
    "amount_total": "Sum of the stated amounts (payments without an amount add nothing).",
    "actor": "Name of the API key that made the change.",
    "at": "When the change was made.",
    "changes": "Field: [before, after] for each field changed.",
    "with_deadline": "Remedies with a due date.",
    "without_deadline": "Remedies without a due date.",
    "completed": "Remedies recorded as completed.",
    "not_completed": "Remedies not recorded as completed.",
    "value": "The rate, 0 to 1; null when the denominator is 0.",
    "numerator": "What the rate counts.",
    "denominator": "What the rate is out of.",
    "reason": "Why, in words.",
    "params": "Parameters of the job, as requested.",
    "error": "Error that ended it; null when none.",
    "attempts": "Attempts made so far.",
    "created_at": "When it was created.",
    "started_at": "When the worker started it; null while queued.",
    "finished_at": "When it finished; null until then.",
    "heartbeat_at": "Last sign of life from the worker running it.",
    "duration_seconds": "Seconds from start to finish (or to now while running).",
    "failures_count": "References that failed in the run.",
    "href": "URL of the run in this API.",
    "url": "Page URL fetched.",
    "event_id": "Identifier of the event, the same in every delivery of it.",
    "event_type": "Event type (see the document's `webhooks`).",
    "next_attempt_at": "When the next attempt is due; null when none is.",
    "delivered_at": "When a 2xx answer was received.",
    "history": "Every attempt, oldest first.",
    "attempted_at": "When the attempt was made.",
    "status_code": "HTTP status the receiver answered; null when it did not answer.",
    "duration_ms": "Milliseconds the attempt took.",
    "owner": "Name of the API key that created the subscription.",
    "callback_url": "HTTPS URL the events are POSTed to.",
    "events": "Event types subscribed to.",
    "filter": "Only events about decisions matching this.",
    "due_soon_days": "Days before a remedy's due date that remedy.due_soon is sent.",
    "suspended_reason": "Why deliveries were suspended; null while active.",
    "outcome": "Published outcome to match.",
    "cron": "Schedule in cron syntax.",
    "description": "What the job does.",
    "timezone": "Time zone of the schedules.",
    "jobs": "The scheduled jobs.",
    "checks": "Each backing service and its state.",
    "title": "Short summary of the problem type.",
    "detail": "What went wrong, for a person to read.",
    "instance": "The request path that failed.",
    "request_id": "Identifier of the request (X-Request-ID), for the logs.",
    "p95_days": "95th percentile lag in days; null when none measured.",
    "max_days": "Longest lag in days; null when none measured.",
    "late_after_days": "Threshold for `late`, in days.",
    "decisions_stored": "Decisions stored, whatever their publication status.",
    "decisions_published": "Decisions whose page is online.",
    "last_successful_crawl_at": "When a crawl last finished having read something.",
    "last_successful_refresh_at": "When the scheduled refresh last finished having read something.",
    "failures_last_24h": "References that failed in the last 24 hours.",
    "last_listing_fetch_at": "When a search page of the LGSCO site was last fetched.",
}

IN_SCHEMA: dict[tuple[str, str], str] = {
    ("Health", "status"): "`ok` while the process serves requests.",
    ("Readiness", "status"): "`ready`, or `not ready` with the failing checks.",
    ("ProblemDetail", "type"): "URI naming the problem type (about:blank for plain HTTP errors).",
    ("ProblemDetail", "status"): "HTTP status code.",
    ("JobAccepted", "kind"): "Job kind: ingest_reference, crawl, refresh, recheck, reparse.",
    ("RunRead", "kind"): "Job kind: ingest_reference, crawl, refresh, recheck, reparse.",
    ("RunDetail", "kind"): "Job kind: ingest_reference, crawl, refresh, recheck, reparse.",
    ("ScheduleRead", "kind"): "Job kind it queues.",
    ("CrawlRequest", "kind"): "`crawl`.",
    ("IngestReferenceRequest", "kind"): "`ingest_reference`.",
    ("CrawlRequest", "organisation"): "Only decisions about this organisation (the site's filter).",
    ("SubscriptionFilter", "organisation"): "Organisation id or exact name.",
    ("SubscriptionFilter", "category"): "Category, exact.",
    ("ComplianceRow", "organisation"): "Organisation name.",
    ("ComplianceReport", "organisations"): "Remedy compliance per organisation.",
    ("JobAccepted", "status"): "queued, running, succeeded, failed or cancelled.",
    ("RunRead", "status"): "queued, running, succeeded, failed or cancelled.",
    ("RunDetail", "status"): "queued, running, succeeded, failed or cancelled.",
    ("LastRun", "status"): "queued, running, succeeded, failed or cancelled.",
    ("DeliveryRead", "status"): (
        "pending, delivered, dead (retries exhausted) or cancelled (its subscription was "
        "deleted or suspended)."
    ),
    ("SubscriptionRead", "status"): "active, or suspended after repeated failures.",
    ("SubscriptionCreated", "status"): "active, or suspended after repeated failures.",
    ("ReportRemedy", "status"): "Tracking status: pending, completed, overdue, offered, ...",
    ("ReportRemedy", "type"): "Remedy type.",
    ("RemedyTypeCount", "decisions"): "Decisions with at least one remedy of the type.",
    ("RemedyTypeCount", "remedies"): "Remedies of the type.",
    ("RemedyRow", "remedies"): "Remedies of the type.",
    ("OutcomeRow", "decisions"): "Decisions with that outcome.",
    ("FailureRead", "reference"): "Reference that failed; null for a listing page.",
    ("LastRun", "id"): "Run id.",
    ("SubscriptionPage", "items"): "Subscriptions, newest first.",
    ("DeliveryPage", "items"): "Deliveries, newest first.",
    ("PingAccepted", "event_id"): "Identifier of the test event queued.",
    ("AnnualReport", "decisions"): "The decision list as councils print it (appendix form).",
    ("AnnualReport", "remedies"): "Remedies agreed, per type.",
    ("AnnualReport", "summary"): "Headline figures of the year.",
    ("CategoryTree", "decisions"): "Decisions matching the filters.",
    ("Comparison", "kind"): "The peer group: the organisation's kind in the year compared.",
    ("RemedyEventRead", "id"): "Event id.",
    ("LastScheduledRun", "status"): (
        "Status of the run the schedule last created: queued, running, succeeded, failed or "
        "cancelled."
    ),
    ("ScheduleCreate", "enabled"): "False: created paused; no due time runs until resumed.",
    ("ScheduleRead", "enabled"): "False while paused: due times pass without a run.",
    ("ScheduleRead", "changed_by"): "Key that last changed it (null: made by a migration).",
    ("ScheduleRead", "changed_at"): "When it was last changed.",
    ("ScheduleRead", "projected"): (
        "Requests a day to the LGSCO site this schedule is projected to make, and the ceiling "
        "it is held to (LGSCO_SCHEDULE_MAX_REQUESTS_PER_DAY)."
    ),
    ("ScheduleRunRead", "due_at"): "The due time this entry stands for (UTC).",
    ("ScheduleRunRead", "created_by"): "Key that asked for it with run now; null for a due time.",
    ("ScheduleRunRead", "run_id"): "The run created; null when the due time was skipped.",
    (
        "ScheduleRunRead",
        "run_status",
    ): "That run's status now: queued, running, succeeded, failed or cancelled.",
    ("ScheduleStarted", "run"): "The run created by run now, as GET /v1/jobs/{run_id} shows it.",
}


def describe(schema_name: str, prop: str) -> str | None:
    return IN_SCHEMA.get((schema_name, prop)) or FIELDS.get(prop)


# Values the generated examples use for a field that declares no example of its own.
EXAMPLES: dict[str, object] = {
    "id": 412,
    "reference": "23 005 403",
    "decision_reference": "23 005 403",
    "name": "Kent County Council",
    "organisation": "Kent County Council",
    "category": "Adult care services",
    "subcategory": "Charging",
    "decided_on": "2023-12-05",
    "decided_on_text": "5 December 2023",
    "financial_year": "2023-24",
    "summary": "Mrs X complained the Council delayed her mother's financial assessment. We "
    "found fault causing injustice; the Council agreed to apologise and pay £250.",
    "source_url": "https://www.lgo.org.uk/decisions/adult-care-services/charging/23-005-403",
    "next_cursor": "WyIyMDIzLTEyLTA1IiwgNDEyXQ",
    "sentence": "The Council will apologise to Mrs X and pay her £250.",
    "amount": "250.00",
    "amount_total": "1450.00",
    "payee": "Mrs X",
    "deadline_text": "within one month of the final decision",
    "due_on": "2024-01-05",
    "heading": "The complaint",
    "href": "/v1/jobs/17",
    "url": "https://www.lgo.org.uk/decisions/adult-care-services/charging/23-005-403",
    "callback_url": "https://council.example/lgsco/events",
    "owner": "kent-complaints",
    "event_id": "3f0c6a52-8a4b-4b8e-9a53-4d1f6f0e2a11",
    "event_type": "decision.created",
    "cron": "0 6 * * *",
    "timezone": "Europe/London",
    "content_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "parser_version": "2026.12.1",
    "request_id": "b3c1e0d2a4f54c5e",
    "instance": "/v1/decisions",
    "actor": "kent-complaints",
    "updated_by": "kent-complaints",
    "gss_code": "E10000016",
    "attribution": ATTRIBUTION,
    "withdrawn_on": None,
    "republished_on": None,
    "snippet": "…delayed her mother's <b>financial assessment</b> by four months…",
    "rank": 0.42,
    "limit": 50,
}


# Query and path parameters that declare no description of their own.
PARAMETERS: dict[str, str] = {
    "limit": "Page size: the most items one page holds.",
    "cursor": "next_cursor of the previous page, unchanged; omit for the first page.",
    "format": "json (default), or csv (an attachment) for spreadsheets.",
    "kind": "Only runs of this kind.",
    "status": "Only runs with this status.",
    "run_id": "Run id, from /v1/jobs or the Location of POST /v1/jobs.",
    "schedule_id": "Schedule id, from /v1/schedules or the Location of POST /v1/schedules.",
    "subscription_id": "Subscription id, from /v1/subscriptions.",
}
