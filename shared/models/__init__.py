"""SQLAlchemy tables, one module per table family; importing this registers them all."""

from lgsco.shared.db import Base
from lgsco.shared.models.apikey import ApiKey
from lgsco.shared.models.decision import Decision, DecisionOrganisation, DecisionVersion
from lgsco.shared.models.ingest import CrawlWindow, IngestFailure, IngestRun, ListingFetch
from lgsco.shared.models.organisation import Organisation
from lgsco.shared.models.page import RawPage
from lgsco.shared.models.remedy import Remedy, RemedyEvent
from lgsco.shared.models.subscription import Delivery, DeliveryAttempt, Event, Subscription

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
    "RawPage",
    "Remedy",
    "RemedyEvent",
    "Subscription",
]
