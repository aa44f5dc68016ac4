"""Server-side time of the heaviest pages on a benchmark database (no network, no browser).

Usage: DATABASE_URL=postgresql://…/sb_bench .venv/bin/python bench/page_timings.py
after `flask --app placement bench-data` (and optionally `bench-plan`) on that database.
Prints the median and worst of five requests per page. For latency under load, see the
README's performance section.
"""

import statistics
import time

import pyotp
from sqlalchemy import select

from partners.points import Donor
from placement import create_app
from placement.auth.cli import create_user
from placement.auth.models import Role, User
from placement.auth.totp import set_secret
from placement.extensions import db

PASSWORD = "violet kettle harbor"
COORDINATOR, DONOR = "perf.coord@example.org", "perf.donor@example.org"
PAGES = ["/coordinator", "/plan", "/tape?days=14", "/bookings", "/places/shelters",
         "/places/hotels", "/points", "/donors"]


def coordinator_account() -> tuple[str, str, str]:
    """A coordinator with a fresh one-time-code secret and a donor account, both made once
    per database; returns the coordinator's email, password and secret."""
    app = create_app()
    secret = pyotp.random_base32()
    with app.app_context():
        for email, role in ((COORDINATOR, Role.COORDINATOR), (DONOR, Role.DONOR)):
            user = db.session.scalar(select(User).where(User.email == email)) or create_user(
                email, role, PASSWORD)
            if role is Role.COORDINATOR:
                set_secret(user, secret)
            user.totp_last_step = None
            db.session.flush()
            if role is Role.DONOR and db.session.scalar(
                    select(Donor.id).where(Donor.user_id == user.id)) is None:
                donor = db.session.scalar(select(Donor).order_by(Donor.id).limit(1))
                donor.user_id = user.id
        db.session.commit()
    return COORDINATOR, PASSWORD, secret


def main() -> None:
    _, _, secret = coordinator_account()
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})

    def signed_in(email: str, totp: str | None = None):
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        if totp:
            client.post("/login/verify", data={"code": pyotp.TOTP(totp).now()})
        return client

    coordinator = signed_in(COORDINATOR, secret)
    donor = signed_in(DONOR)
    for client, url in [*((coordinator, page) for page in PAGES), (donor, "/donor/")]:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        print(f"{url:20s} {response.status_code}  median {statistics.median(times):6.0f} ms"
              f"  worst {max(times):6.0f} ms")


if __name__ == "__main__":
    main()
