"""The integration API's jobs: webhook deliveries, and forgetting what the API keeps only
for a while (idempotency keys and answers, the per-minute call counters)."""

from datetime import datetime

from partners.availability.common import as_naive_utc

from ..api import filings, keys, webhooks
from ..extensions import db


def deliver_webhooks(now: datetime) -> dict[str, int]:
    return webhooks.deliver(db.session, as_naive_utc(now))


def forget(now: datetime) -> dict[str, int]:
    moment = as_naive_utc(now)
    return {"idempotency_keys_forgotten": filings.forget_idempotency(db.session, moment),
            "rate_windows_deleted": keys.forget_windows(db.session, moment)}
