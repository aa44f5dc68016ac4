"""Webhooks: each change of a request an organization's keys filed is POSTed to the https
addresses it subscribed, signed, at least once, by the scheduler (`deliver`, every
WEBHOOK_EVERY_MINUTES), retried with exponential backoff until WEBHOOK_MAX_ATTEMPTS.

The body is `{"event_id": 41, "case_code": "SB-...", "status": "placed", "at": "..."}`: no
case details. Headers: `Webhook-Id: evt_41` (the same on every retry: a receiver keeps the
ids it has seen and ignores a repeat), `Webhook-Timestamp` (Unix seconds of this attempt),
`Webhook-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. `verify` is the
receiver's check: the signature in constant time, and the timestamp within REPLAY_WINDOW of
its clock, so that a captured delivery cannot be replayed later.

Addresses are https and resolve only to public addresses (checked at every attempt, and the
connection goes to the address checked, so a DNS answer cannot be switched in between);
redirects are not followed. WEBHOOK_ALLOWED_HOSTS lets a test's receiver on loopback in.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from partners.organizations import Organization

from ..crypto import decrypt_note, encrypt_note
from .events import RequestEvent, WebhookDelivery, WebhookSubscription

REPLAY_WINDOW = 300  # seconds either way
MAX_BATCH = 50  # deliveries a tick
MAX_BACKOFF = timedelta(hours=6)
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class WebhookError(ValueError):
    """An address that cannot be used; the message says why."""


def check_url(url: str, allowed: frozenset[str] = frozenset()) -> str:
    """The address if it can be used: https (or allowed), a host, no credentials."""
    parts = urlsplit((url or "").strip())
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname or ""
    if host in allowed and parts.scheme in ("http", "https"):
        return parts.geturl()
    if parts.scheme != "https" or not parts.hostname:
        raise WebhookError("The address must start with https:// and name a host.")
    if parts.username or parts.password:
        raise WebhookError("The address must not carry a user name or password.")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return parts.geturl()  # a name: checked when it is resolved, at each delivery
    if not literal.is_global:
        raise WebhookError("The address must be public, not a private or local one.")
    return parts.geturl()


def subscribe(session: Session, organization: Organization, url: str,
              actor_id: int | None) -> tuple[WebhookSubscription, str]:
    """A new webhook and its signing secret (shown once; kept encrypted to sign with)."""
    url = check_url(url, current_app.config["WEBHOOK_ALLOWED_HOSTS"])
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = WebhookSubscription(organization=organization, url=url,
                               secret_encrypted=encrypt_note(secret), created_by_id=actor_id)
    session.add(hook)
    session.flush()
    return hook, secret


def subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).options(
        joinedload(WebhookSubscription.organization)).order_by(WebhookSubscription.id)))


# -- signing -------------------------------------------------------------------------------

def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, headers, body: bytes, now: float | None = None) -> bool:
    """The receiver's check of a delivery (copy it): signed with `secret`, and sent within
    REPLAY_WINDOW seconds of `now`. Keep the `Webhook-Id`s seen for that window too and
    ignore a repeat: a retry of a delivery that did arrive has the same id."""
    try:
        timestamp = int(headers.get("Webhook-Timestamp", ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > REPLAY_WINDOW:
        return False
    given = headers.get("Webhook-Signature", "")
    return any(hmac.compare_digest(signature(secret, timestamp, body), part.strip())
               for part in given.split(","))


# -- sending -------------------------------------------------------------------------------

class Undeliverable(Exception):
    """Why an attempt failed, as a kind (never the receiver's answer)."""


def _public_address(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise Undeliverable("the host name did not resolve") from None
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(ipaddress.ip_address(a).is_global for a in addresses):
        raise Undeliverable("the host resolves to a private or local address")
    return sorted(addresses)[0]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """https to an address already checked, with the host's name for SNI and the
    certificate (a second lookup could answer with another address)."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, timeout: float,
         allowed: frozenset[str] = frozenset()) -> int:
    """POST once; the status of the answer (redirects are answers, not followed)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    if host in allowed:
        kind = (http.client.HTTPSConnection if parts.scheme == "https"
                else http.client.HTTPConnection)
        connection = kind(parts.hostname, port, timeout=timeout)
    else:
        check_url(url)
        connection = _PinnedHTTPS(parts.hostname, _public_address(parts.hostname, port), port,
                                  timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        raise Undeliverable(type(error).__name__) from None
    finally:
        connection.close()


def payload(event: RequestEvent) -> bytes:
    return json.dumps({"event_id": event.id, "case_code": event.request.case_code,
                       "status": event.status,
                       "at": event.at.replace(tzinfo=UTC).isoformat()},
                      separators=(",", ":")).encode()


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes after the attempts so far, at most MAX_BACKOFF."""
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)


def attempt(delivery: WebhookDelivery, now: datetime) -> None:
    config = current_app.config
    body = payload(delivery.event)
    stamp = int(now.replace(tzinfo=UTC).timestamp())  # `now` is naive UTC, as stored
    secret = decrypt_note(delivery.subscription.secret_encrypted)
    headers = {"Content-Type": "application/json", "User-Agent": "ShelterBridge-Webhooks/1",
               "Webhook-Id": f"evt_{delivery.event_id}", "Webhook-Timestamp": str(stamp),
               "Webhook-Signature": signature(secret, stamp, body)}
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        status = post(delivery.subscription.url, body, headers,
                      config["WEBHOOK_TIMEOUT_SECONDS"], config["WEBHOOK_ALLOWED_HOSTS"])
    except Undeliverable as error:
        status, delivery.last_error = None, str(error)[:200]
    else:
        delivery.last_error = None if 200 <= status < 300 else f"answered {status}"
    delivery.last_status = status
    if status is not None and 200 <= status < 300:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = DELIVERED, now, None
    elif delivery.attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.state, delivery.next_attempt_at = FAILED, None
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)


def deliver(session: Session, now: datetime) -> dict[str, int]:
    """Every delivery that is due, oldest event first (a job: the runner commits)."""
    due = session.scalars(
        select(WebhookDelivery).join(WebhookSubscription)
        .where(WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= now,
               WebhookSubscription.active)
        .order_by(WebhookDelivery.event_id, WebhookDelivery.id).limit(MAX_BATCH)).all()
    for delivery in due:
        attempt(delivery, now)
        session.flush()
    return {"attempted": len(due),
            "delivered": sum(d.state == DELIVERED for d in due),
            "failed": sum(d.state == FAILED for d in due)}


def history(session: Session, hook: WebhookSubscription, limit: int = 100) -> list:
    return list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == hook.id)
        .options(joinedload(WebhookDelivery.event).joinedload(RequestEvent.request))
        .order_by(WebhookDelivery.id.desc()).limit(limit)))
