"""Server-side time of the heaviest pages on a benchmark database (no network, no browser).

Usage: DATABASE_URL=postgresql://…/sb_bench .venv/bin/python bench/page_timings.py
after `flask --app placement bench-data` (and optionally `bench-plan`) on that database.
Prints, per page, the first request's time, then the median, 95th percentile (nearest
rank) and worst of `--runs` more (20 by default). `--only reports` times the pages whose
address contains "reports"; `--cold` drops the exports' suppressed months before every
request, so each export suppresses every month afresh (a worker's first export);
`--forget` deletes the reports' kept months (report_memo) before every request, so each
report counts all its months (the worst case: a scope never asked for, or every month
forgotten after a hotel changed program). For
latency under load, see the README's performance section.
"""

import argparse
import math
import statistics
import time

import pyotp
from sqlalchemy import delete, select

from partners.points import Donor
from placement import create_app
from placement.auth.cli import create_user
from placement.auth.models import Role, User
from placement.auth.totp import set_secret
from placement.extensions import db
from placement.reports import disclosure
from placement.reports.models import ReportMemo

PASSWORD = "violet kettle harbor"
COORDINATOR, DONOR = "perf.coord@example.org", "perf.donor@example.org"
PAGES = ["/coordinator", "/plan", "/tape?days=14", "/bookings", "/places/shelters",
         "/places/hotels", "/points", "/donors"]
# The reports (issue 18): the default (the last 12 months, everything), five years, a
# state, a small state and a priority, stays at shelters, a program in a state; then the
# funders' exports (their months end at the last settled one).
REPORTS = ["/reports/", "/reports/?from=2021-12&to=2026-11", "/reports/?state=CA",
           "/reports/?state=WY&priority=critical", "/reports/?program=shelter",
           "/reports/?state=TX&program=marriott",
           "/reports/export.csv", "/reports/export.csv?state=CA",
           "/reports/export.csv?from=2021-12&to=2026-11", "/reports/print",
           "/reports/print?state=WY", "/reports/print?from=2021-12&to=2026-11"]


def p95(times: list[float]) -> float:
    """The 95th percentile by nearest rank: the time 95% of the requests stayed within."""
    return sorted(times)[math.ceil(0.95 * len(times)) - 1]


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
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--forget", action="store_true")
    options = parser.parse_args()
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
    pages = [*((coordinator, page) for page in PAGES), (donor, "/donor/"),
             *((coordinator, page) for page in REPORTS)]
    for client, url in pages:
        if options.only not in url:
            continue
        times = []
        for _ in range(options.runs + 1):
            if options.cold:
                disclosure._KEPT.clear()
            if options.forget:
                with app.app_context():
                    db.session.execute(delete(ReportMemo))
                    db.session.commit()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        first, times = times[0], times[1:]
        print(f"{url:42s} {response.status_code}  first {first:6.0f} ms  median "
              f"{statistics.median(times):6.0f}  p95 {p95(times):6.0f}  worst "
              f"{max(times):6.0f} ms  ({len(response.data) // 1024} KB)", flush=True)


if __name__ == "__main__":
    main()
