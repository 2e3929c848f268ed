"""SQLAlchemy tables, one module per table family; importing this registers them all."""

from lgsco_shared.db import Base
from lgsco_shared.models.apikey import ApiKey
from lgsco_shared.models.decision import Decision, DecisionOrganisation, DecisionVersion
from lgsco_shared.models.ingest import CrawlWindow, IngestFailure, IngestRun, ListingFetch
from lgsco_shared.models.organisation import Organisation
from lgsco_shared.models.page import RawPage
from lgsco_shared.models.remedy import Remedy, RemedyEvent
from lgsco_shared.models.schedule import Schedule, ScheduleRun
from lgsco_shared.models.subscription import Delivery, DeliveryAttempt, Event, Subscription
from lgsco_shared.models.summary import OutcomeSummary

__all__ = [
    "ApiKey",
    "Base",
    "CrawlWindow",
    "Decision",
    "DecisionOrganisation",
    "DecisionVersion",
    "Delivery",
    "DeliveryAttempt",
    "Event",
    "IngestFailure",
    "IngestRun",
    "ListingFetch",
    "Organisation",
    "OutcomeSummary",
    "RawPage",
    "Remedy",
    "RemedyEvent",
    "Schedule",
    "ScheduleRun",
    "Subscription",
]
