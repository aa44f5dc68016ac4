"""Webhooks: a local receiver (allowlisted, on loopback) gets each change of the requests its
organization filed, signed; a failure is retried with backoff by the scheduler's job, the
same event id every time, and given up after the last attempt; a captured delivery cannot
be replayed later, nor its body changed."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from partners.organizations import Organization
from placement.api.events import WebhookDelivery
from placement.api.webhooks import (
    REPLAY_WINDOW,
    Undeliverable,
    WebhookError,
    check_url,
    post,
    subscribe,
    verify,
)
from placement.auth.models import Role
from placement.extensions import db
from tests.api_support import bearer
from tests.test_jobs import run

BODY = {"priority": "high", "people": [{"age_band": "adult-25", "gender": "female"}],
        "where": "20001"}


class Receiver:
    """A tiny https-less receiver on loopback: answers each POST with the next status of
    `answers` (the last one repeats) and keeps what it was sent."""

    def __init__(self, answers: list[int]) -> None:
        self.answers, self.received = list(answers), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if len(receiver.answers) > 1 \
                    else receiver.answers[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/shelter-bridge"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app):
    made = []

    def start(answers: list[int]) -> Receiver:
        made.append(Receiver(answers))
        app.config["WEBHOOK_ALLOWED_HOSTS"] = frozenset(
            {f"127.0.0.1:{r.server.server_port}" for r in made})
        return made[-1]

    yield start
    for one in made:
        one.close()


def hooked(make_key, receiver, answers: list[int]):
    key, token = make_key()
    listening = receiver(answers)
    organization = db.session.get(Organization, key.organization_id)
    hook, secret = subscribe(db.session, organization, listening.url, None)
    db.session.commit()
    return token, listening, hook, secret


def test_each_change_is_delivered_signed_and_a_failure_retried_with_the_same_id(
        app, client, make_key, receiver, make_user, login):
    token, listening, hook, secret = hooked(make_key, receiver, [500, 200])
    code = client.post("/api/v1/requests", json=BODY,
                       headers={**bearer(token), "Idempotency-Key": "k"}).json["case_code"]
    now = datetime.now(UTC) + timedelta(seconds=1)
    run(app, "webhooks", now)  # the receiver answers 500
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(minutes=1)
    run(app, "webhooks", now + timedelta(minutes=1))  # retried: 200
    db.session.refresh(delivery)
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    (first_headers, first), (headers, body) = listening.received
    assert first == body and first_headers["Webhook-Id"] == headers["Webhook-Id"]
    assert json.loads(body) == {"event_id": delivery.event_id, "case_code": code,
                                "status": "pending", "at": json.loads(body)["at"]}
    stamp = int(headers["Webhook-Timestamp"])
    assert verify(secret, headers, body, now=stamp)
    assert not verify(secret, headers, body.replace(b"pending", b"placed"), now=stamp)
    assert not verify("whsec_another", headers, body, now=stamp)
    # A captured delivery replayed after the window is refused by the receiver's check.
    assert not verify(secret, headers, body, now=stamp + REPLAY_WINDOW + 1)
    # The next change goes out at the next tick; the history shows both.
    client.post(f"/api/v1/requests/{code}/withdraw", json={"reason": "duplicate"},
                headers=bearer(token))
    run(app, "webhooks", now + timedelta(minutes=2))
    assert json.loads(listening.received[-1][1])["status"] == "withdrawn"
    page = login(make_user(Role.ADMIN)).get(f"/admin/integrations/webhooks/{hook.id}")
    assert page.status_code == 200 and page.text.count(code) == 2


def test_a_receiver_that_keeps_failing_is_tried_with_doubling_waits_then_given_up(
        app, client, make_key, receiver):
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 3
    token, listening, _hook, _secret = hooked(make_key, receiver, [503])
    client.post("/api/v1/requests", json=BODY, headers={**bearer(token), "Idempotency-Key": "k"})
    start = datetime.now(UTC) + timedelta(seconds=1)
    waits = []
    for minutes in (0, 1, 3):  # due at once, 1 minute after, then 2 more
        run(app, "webhooks", start + timedelta(minutes=minutes))
        delivery = db.session.scalar(select(WebhookDelivery))
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
    assert waits == [timedelta(minutes=1), timedelta(minutes=2)]
    assert (delivery.state, delivery.attempts, len(listening.received)) == ("failed", 3, 3)
    run(app, "webhooks", start + timedelta(minutes=10))
    assert len(listening.received) == 3  # given up: never again


def test_addresses_must_be_https_and_public():
    assert check_url("https://crm.example.org/hooks") == "https://crm.example.org/hooks"
    for url in ("http://crm.example.org/hooks", "https://10.0.0.5/x", "https://127.0.0.1/x",
                "https://[::1]/x", "https://user:pw@crm.example.org/", "ftp://x", "hooks"):
        with pytest.raises(WebhookError):
            check_url(url)
    # A name that resolves to a private address is refused at the moment of sending.
    with pytest.raises(Undeliverable, match="private or local"):
        post("https://localhost:9/hook", b"{}", {}, timeout=1)


def test_an_admin_adds_a_webhook_whose_secret_is_shown_once(make_user, login, make_org):
    admin = login(make_user(Role.ADMIN))
    organization = make_org()
    refused = admin.post("/admin/integrations/webhooks", data={
        "organization": organization.id, "url": "http://crm.example.org/hook"})
    assert refused.status_code == 400 and "must start with https://" in refused.text
    added = admin.post("/admin/integrations/webhooks", data={
        "organization": organization.id, "url": "https://crm.example.org/hook"})
    assert added.status_code == 201
    secret = added.text.split('id="new-secret">')[1].split("<")[0]
    assert secret.startswith("whsec_") and secret not in admin.get("/admin/integrations").text
