"""Imports every mapped class so that the metadata is complete wherever it is needed."""

from partners.models import Donor, Hotel, LoyaltyProgram, PointsLot, Shelter
from partners.organizations import Organization

from .api.events import RequestEvent, WebhookDelivery, WebhookSubscription
from .api.filings import ApiFiling
from .api.keys import IntegrationKey, RateWindow
from .audit import AuditEvent
from .auth.models import User
from .auth.throttle import LoginFailure
from .bookings.models import Booking
from .changes import data_version
from .inbox import InboxMessage
from .jobs.models import Alert, JobRun
from .planning.models import PlanRun
from .points.models import WhatIf, WhatIfBatch
from .reports.models import PublishedMonth
from .requests.models import DangerZone, Exclusion, HousingRequest
from .requests.outcomes import RequestOutcome

__all__ = [
    "Alert", "ApiFiling", "IntegrationKey", "Organization", "RateWindow", "RequestEvent",
    "WebhookDelivery", "WebhookSubscription",
    "AuditEvent", "Booking", "InboxMessage", "JobRun", "LoginFailure", "PlanRun",
    "DangerZone", "Donor", "Exclusion", "Hotel", "HousingRequest", "LoyaltyProgram", "PointsLot",
    "PublishedMonth", "RequestOutcome", "Shelter", "User", "WhatIf", "WhatIfBatch", "data_version",
]
