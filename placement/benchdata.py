"""`flask --app placement bench-data`: a large, realistic, fictional database for the
performance benchmarks (never for tests): thousands of places around real ZIP codes, years
of past requests and completed stays with their points, and a queue of pending requests.
Rows are written in bulk through SQLAlchemy Core."""

import gc
import random
import time
from datetime import date, datetime, timedelta

import click
import zipcodes
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Date, DateTime, column, func, insert, select, text
from sqlalchemy import table as table_clause

from partners.base import utcnow
from partners.ledger import donate, rebuild_lot_balances
from partners.needs import (
    HOTEL,
    SHELTER,
    Need,
    default_offer_codes,
    ensure_vocabulary,
    hotel_offer,
    shelter_offer,
)
from partners.places import Hotel, Policy, Shelter
from partners.points import (
    KNOWN_PROGRAMS,
    Account,
    Donor,
    DonorKind,
    LedgerEntry,
    LedgerTransaction,
    PointsLot,
    TxnKind,
)
from partners.us_states import us_state

from .auth.cli import create_user, generate_password
from .auth.models import Role, User
from .bookings.models import Booking
from .bookings.states import BookingState
from .database import unit_of_work
from .extensions import db
from .past import CHANNELS, PRIORITIES, STATES, TRAFFICKING, draw, unmet_need_rows, window
from .requests.models import (
    CODE_ALPHABET,
    AgeBand,
    Gender,
    HousingRequest,
    PartyMember,
    PersonGender,
    Priority,
    RequestStatus,
    month_of,
    request_need,
)
from .requests.outcomes import RequestOutcome, UnmetNeed
from .requests.service import local_today

PROGRAMS = list(KNOWN_PROGRAMS.values())
GENDERS = list(Gender)
BATCH = 5_000

# How often a place offers a need beyond its kind's defaults, and how often a pending
# request needs it (roughly what the hotline sees: Spanish above all).
OFFERED = {"lang:es": .45, "lang:zh": .05, "lang:vi": .05, "no-id": .35,
           "trafficking-specialized": .15, "lgbtq-affirming": .3, "pregnant": .4,
           "teen-boys": .3, "intake-late": .3, "hotel-age:18": .3, "dog:25-60": .1}
NEEDED = {"lang:es": .12, "no-id": .08, "pregnant": .03, "trafficking-specialized": .03,
          "lgbtq-affirming": .02}


def _offers(rng, needs, rows, kind):
    """Offer rows (place id, need id) for places given as (id, policy, same_gender, pets)."""
    offers = []
    for place_id, policy, same_gender, pets in rows:
        codes = default_offer_codes(kind, policy=policy, same_gender=same_gender, pets=pets)
        codes |= {code for code, share in OFFERED.items()
                  if needs[code].applies_to(kind) and rng.random() < share}
        offers.extend((place_id, needs[code].id) for code in sorted(codes))
    return offers


def _people(rng, request_id: int, adults: int, children: int, gender: Gender) -> list[dict]:
    """Party member rows for a pending request's counts: adults of its gender, 25 or older,
    and children under 13 (no need follows from them: the needs are NEEDED's alone)."""
    party = ([(AgeBand.ADULT_25, PersonGender(gender.value))] * adults
             + [(AgeBand.CHILD, rng.choice([PersonGender.FEMALE, PersonGender.MALE]))
                for _ in range(children)])
    return [dict(request_id=request_id, position=i, age_band=band, gender=who)
            for i, (band, who) in enumerate(party)]


class Codes:
    """Case codes and booking references in the app's formats, drawn from the benchmark's
    seeded generator (the app's own use `secrets`, a system call per character: most of a
    minute for 200,000 requests), each once."""

    def __init__(self, rng) -> None:
        self.rng, self.cases = rng, set()

    def case(self) -> str:
        while (body := "".join(self.rng.choices(CODE_ALPHABET, k=8))) in self.cases:
            pass
        self.cases.add(body)
        return f"SB-{body[:4]}-{body[4:]}"

    def ref(self) -> str:
        return f"bk-{self.rng.getrandbits(80):020x}"


def _bulk_plain(table, rows):
    """`_bulk` for the largest tables, straight to the driver: no SQLAlchemy type processing
    (a third of the time of 200,000 wide rows) and no Python-side defaults, so each row
    gives every column it needs, as values the driver takes as they are. SQLite gets its
    dates and moments as the text SQLAlchemy itself stores."""
    if not rows:
        return
    plain = table_clause(table.name, *(column(key) for key in rows[0]))
    if db.session.get_bind().dialect.name == "sqlite":
        moments = [c.name for c in table.columns if isinstance(c.type, DateTime)]
        days = [c.name for c in table.columns if type(c.type) is Date]
        for row in rows:  # (a row may share a value already made text: unmet needs')
            for key in moments:
                if isinstance(row.get(key), datetime):
                    row[key] = row[key].isoformat(" ", "microseconds")
            for key in days:
                if isinstance(row.get(key), date):
                    row[key] = row[key].isoformat()
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(plain), rows[start:start + BATCH])


def _bulk(table, rows):
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start:start + BATCH])


def _places(rng, zips, n, metro_count=60):
    """Places clustered around `metro_count` metro areas, as partner networks are."""
    metros = rng.sample(zips, metro_count)
    for _ in range(n):
        centre = rng.choice(metros)
        yield (centre["city"].title(), centre["state"], float(centre["lat"]) + rng.gauss(0, .25),
               float(centre["long"]) + rng.gauss(0, .25), centre.get("timezone") or
               "America/New_York", centre["zip_code"])


@click.command("bench-data")
@click.option("--shelters", default=3000)
@click.option("--hotels", default=5000)
@click.option("--past-requests", default=200_000)
@click.option("--pending", default=500)
@click.option("--years", default=5)
@click.option("--seed", default=7)
@with_appcontext
def bench_data_command(shelters, hotels, past_requests, pending, years, seed):
    """Fill an EMPTY database with benchmark data."""
    if db.session.scalar(select(func.count(User.id))):
        raise click.ClickException("bench-data loads only into an empty database")
    # Millions of rows built and dropped, none in a cycle: the collector's passes over them
    # cost a third of the run and free nothing.
    gc.disable()
    try:
        _bench_data(shelters, hotels, past_requests, pending, years, seed)
    finally:
        gc.enable()


def _bench_data(shelters, hotels, past_requests, pending, years, seed):
    rng = random.Random(seed)
    codes = Codes(rng)
    started = time.perf_counter()
    zips = [z for z in zipcodes.list_all() if z.get("lat") and z.get("zip_code_type") == "STANDARD"]
    today = local_today(current_app.config["HOTLINE_TIMEZONE"])
    with unit_of_work():
        advocate = create_user("bench.advocate@example.org", Role.ADVOCATE, generate_password())
        create_user("bench.coordinator@example.org", Role.COORDINATOR, generate_password())
        programs = {}
        for facts in PROGRAMS:
            programs[facts.code] = facts.record()
            db.session.add(programs[facts.code])
        db.session.flush()
        policies = [Policy.WOMEN, Policy.WOMEN, Policy.FAMILY, Policy.ANY, Policy.MEN,
                    Policy.YOUTH]
        _bulk(Shelter.__table__, [dict(
            name=f"Shelter {i}", policy=rng.choice(policies), accepts_nonbinary=rng.random() < .3,
            same_gender=rng.random() < .1, pets=rng.random() < .1,
            accessible=rng.random() < .6, max_stay=rng.choice([14, 30, 45, 60, None]),
            capacity=rng.randint(4, 40), confidential=True, active=True,
            city=city, state=state, lat=lat, lon=lon, timezone=tz, zip_code=zip_code,
            created_at=datetime(2021, 1, 1), staff_link_version=0,
            confirmed_at=datetime.now() - timedelta(minutes=rng.randint(5, 900)),
        ) for i, (city, state, lat, lon, tz, zip_code) in enumerate(
            _places(rng, zips, shelters))])
        hotel_rows = []
        for i, (city, state, lat, lon, tz, zip_code) in enumerate(_places(rng, zips, hotels)):
            facts = rng.choice(PROGRAMS)
            code, (low, high) = facts.code, facts.nightly_points
            hotel_rows.append(dict(
                name=f"Hotel {i}", program_id=programs[code].id, room_capacity=rng.choice([2, 4]),
                pets=rng.random() < .3, accessible=rng.random() < .7,
                rooms_per_night=rng.randint(1, 4), standard_points=rng.randrange(low, high, 500),
                active=True, city=city, state=state, lat=lat, lon=lon, timezone=tz,
                zip_code=zip_code, created_at=datetime(2021, 1, 1)))
        _bulk(Hotel.__table__, hotel_rows)
        needs = ensure_vocabulary(db.session)
        _bulk(shelter_offer, [dict(shelter_id=place, need_id=need) for place, need in _offers(
            rng, needs, [(r.id, r.policy.value, r.same_gender, r.pets) for r in db.session.execute(
                select(Shelter.id, Shelter.policy, Shelter.same_gender, Shelter.pets))], SHELTER)])
        _bulk(hotel_offer, [dict(hotel_id=place, need_id=need) for place, need in _offers(
            rng, needs, [(r.id, None, False, r.pets) for r in db.session.execute(
                select(Hotel.id, Hotel.pets))], HOTEL)])
        donors = [Donor(name=f"Donor {i}", kind=DonorKind.COMPANY) for i in range(200)]
        db.session.add_all(donors)
        db.session.flush()
        lots = {code: [] for code in programs}
        for donor in donors:
            for code in rng.sample(list(programs), 2):
                lots[code].append(donate(db.session, donor.id, programs[code],
                                         rng.randint(200, 4000) * 1000,
                                         today - timedelta(days=rng.randint(0, 300))).id)
    click.echo(f"places and donors: {time.perf_counter() - started:.0f} s")

    shelter_ids = db.session.scalars(select(Shelter.id)).all()
    hotel_rows = db.session.execute(select(Hotel.id, Hotel.program_id)).all()
    with unit_of_work():
        if db.session.get_bind().dialect.name == "sqlite":
            # The past requests' indexes (state, month, priority...) outgrow SQLite's 2 MB
            # page cache: with 256 MB the pages stay in memory instead of spilling to disk.
            db.session.execute(text("PRAGMA cache_size = -262144"))
        txns = _past_requests(rng, codes, today, years * 365, past_requests, advocate.id,
                              shelter_ids, hotel_rows)
        click.echo(f"{past_requests} past requests, their stays and outcomes: "
                   f"{time.perf_counter() - started:.0f} s")
        _history_ledger(rng, txns, donors)
    click.echo(f"ledger history: {time.perf_counter() - started:.0f} s")

    with unit_of_work():
        metros = rng.sample(zips, 60)
        rows = []
        now, zone = utcnow(), current_app.config["HOTLINE_TIMEZONE"]
        for _ in range(pending):
            centre = rng.choice(metros)
            priority = rng.choice([Priority.CRITICAL, Priority.HIGH, Priority.NORMAL])
            start = today + timedelta(
                days=0 if priority is Priority.CRITICAL else rng.randint(0, 2))
            latest = start + timedelta(days=rng.randint(0, 3))
            rows.append(dict(
                case_code=codes.case(), created_by_id=advocate.id, adults=rng.choice([1, 1, 2]),
                children=rng.choice([0, 0, 1, 2, 3]), gender=rng.choice(list(Gender)),
                pets=int(rng.random() < .15), service_animal=False,
                accessible=rng.random() < .1, location_label=centre["zip_code"],
                lat=float(centre["lat"]), lon=float(centre["long"]),
                timezone=centre.get("timezone"), max_miles=rng.choice([20, 30, 50, 100]),
                earliest=start, latest=latest, arrive_by=latest,
                nights=rng.randint(2, 10), priority=priority, status=RequestStatus.PENDING,
                trafficking_type=TRAFFICKING.draw(rng), contact_channel=CHANNELS.draw(rng),
                us_state=us_state(centre["state"]), filed_month=month_of(now, zone),
                created_at=now, updated_at=now))
        _bulk(HousingRequest.__table__, rows)
        pending = db.session.execute(select(
            HousingRequest.id, HousingRequest.adults, HousingRequest.children,
            HousingRequest.gender).where(HousingRequest.status == RequestStatus.PENDING)).all()
        pending_ids = [row.id for row in pending]
        _bulk(PartyMember.__table__, [member for row in pending
                                      for member in _people(rng, *row)])
        _bulk(request_need, [dict(request_id=request_id, need_id=needs[code].id)
                             for request_id in pending_ids for code, share in NEEDED.items()
                             if rng.random() < share])
    with unit_of_work():
        # The planner's statistics, as autovacuum would gather them in time: without them
        # PostgreSQL takes the tables for nearly empty (a report's join became a 40 s
        # nested loop on an unanalysed national database).
        db.session.execute(text("ANALYZE"))
    click.echo(f"done: {time.perf_counter() - started:.0f} s in all")


def _past_requests(rng, codes: Codes, today: date, history: int, count: int,
                   advocate_id: int, shelter_ids: list[int], hotel_rows: list) -> list[dict]:
    """`count` requests of the last `history` days (a month ago at the latest), each with
    its steps, its stays (the one that placed it checked out, any given back before it)
    and its outcome (placement/past.py draws them); returns the hotel stays' spends.
    Written a batch at a time: 200,000 drawn at once keep millions of objects alive, and
    the garbage collector's passes over them cost more than the drawing."""
    zone, months, txns = current_app.config["HOTLINE_TIMEZONE"], {}, []
    for start in range(0, count, BATCH):
        requests, pasts = [], []
        for _ in range(min(BATCH, count - start)):
            day = today - timedelta(days=rng.randint(30, history))
            priority, nights = PRIORITIES.draw(rng), rng.randint(2, 10)
            # Filed 10:00-21:00 UTC, daytime in every US zone: its month is the day's.
            filed = datetime.combine(day, datetime.min.time()) + timedelta(
                minutes=rng.randint(600, 1260))
            if day not in months:
                months[day] = month_of(filed, zone)
            past = draw(rng, filed, priority, day, nights)
            pasts.append((past, nights))
            requests.append(dict(
                case_code=codes.case(), created_by_id=advocate_id,
                adults=1, children=rng.choice([0, 0, 1, 2]), gender=rng.choice(GENDERS),
                pets=0, service_animal=False, accessible=False, location_label=None, lat=None,
                lon=None, earliest=day, arrive_by=window(priority, day), nights=nights,
                priority=priority, us_state=STATES.draw(rng), filed_month=months[day],
                created_at=filed, updated_at=filed, **past.columns()))
        txns += _past_batch(rng, codes, requests, pasts, shelter_ids, hotel_rows)
    return txns


def _past_batch(rng, codes: Codes, requests: list[dict], pasts: list,
                shelter_ids: list[int], hotel_rows: list) -> list[dict]:
    """One batch of past requests written, with their stays and outcomes."""
    first = (db.session.scalar(select(func.max(HousingRequest.id))) or 0) + 1
    _bulk_plain(HousingRequest.__table__, requests)
    # Ids follow the rows' order in a table only this command writes.
    assert db.session.scalar(select(func.max(HousingRequest.id))) == first + len(requests) - 1
    bookings, txns, outcomes, unmet = [], [], [], []
    need_ids = dict(db.session.execute(select(Need.code, Need.id)).all())
    for request_id, (past, nights) in enumerate(pasts, start=first):
        persons = requests[request_id - first]["children"] + 1
        for stay in past.stays:
            is_hotel = rng.random() < .5
            hotel_id, program_id = rng.choice(hotel_rows) if is_hotel else (None, None)
            ref = codes.ref()
            spent = stay.state is BookingState.CHECKED_OUT
            points = nights * 15_000 if is_hotel else 0
            proposed = past.steps.get("first_proposed") or stay.approved_at
            bookings.append(dict(
                ref=ref, request_id=request_id, shelter_id=None if is_hotel else
                rng.choice(shelter_ids), hotel_id=hotel_id, check_in=stay.check_in,
                nights=nights, persons=persons, rooms=int(is_hotel), points_planned=points,
                points_charged=points if spent else None, state=stay.state,
                reason_code=stay.reason_code, approved_at=stay.approved_at,
                confirmation="BENCH" if spent else None, created_at=proposed,
                updated_at=proposed, version=1))
            if is_hotel and spent:
                txns.append(dict(kind=TxnKind.SPEND, program_id=program_id, booking_ref=ref,
                                 nights=nights, persons=persons,
                                 created_at=past.steps["checked_out"], _points=points))
        outcomes.append(dict(request_id=request_id, kind=past.kind, reason=past.reason,
                             decided_at=past.decided_at))
        unmet += unmet_need_rows(past, requests[request_id - first], need_ids)
    _bulk_plain(Booking.__table__, bookings)
    placing = dict(db.session.execute(select(Booking.request_id, Booking.id).where(
        Booking.request_id >= first, Booking.state == BookingState.CHECKED_OUT)).all())
    for outcome in outcomes:
        outcome["booking_id"] = placing.get(outcome["request_id"])
    _bulk_plain(RequestOutcome.__table__, outcomes)
    if unmet:
        _bulk_plain(UnmetNeed.__table__, unmet)
    return txns


def _history_ledger(rng, spends: list[dict], donors: list[Donor]) -> None:
    """Past spends on lots of their own (one per donor, program and year), each posted as
    the ledger would: a donation, then spends with running balances."""
    groups: dict[tuple, list[dict]] = {}
    for spend in spends:
        donor = rng.choice(donors)
        groups.setdefault((donor.id, spend["program_id"], spend["created_at"].year),
                          []).append(spend)
    first_new = (db.session.scalar(select(func.max(PointsLot.id))) or 0) + 1
    _bulk(PointsLot.__table__, [dict(
        donor_id=donor_id, program_id=program_id, points=sum(s["_points"] for s in items),
        received_on=date(year, 1, 1), expires_on=date(year + 1, 12, 31),
        created_at=datetime(year, 1, 1))
        for (donor_id, program_id, year), items in groups.items()])
    lot_ids = {(r.donor_id, r.program_id, r.received_on.year): r.id for r in db.session.execute(
        select(PointsLot.id, PointsLot.donor_id, PointsLot.program_id, PointsLot.received_on)
        .where(PointsLot.id >= first_new))}
    txns, postings = [], []
    for key, items in groups.items():
        lot_id, total = lot_ids[key], sum(s["_points"] for s in items)
        memo = f"history lot {lot_id}"
        txns.append(dict(kind=TxnKind.DONATION, program_id=key[1], memo=memo,
                         booking_ref=None, nights=None, persons=None,
                         created_at=datetime(key[2], 1, 1)))
        postings.append((memo, [(lot_id, Account.DONATED, -total),
                                (lot_id, Account.AVAILABLE, total)]))
        for spend in sorted(items, key=lambda s: s["created_at"]):
            txns.append({"memo": None, **{k: v for k, v in spend.items()
                                          if not k.startswith("_")}})
            points = spend["_points"]
            postings.append((spend["booking_ref"], [(lot_id, Account.AVAILABLE, -points),
                                                    (lot_id, Account.SPENT, points)]))
    _bulk(LedgerTransaction.__table__, txns)
    ids = {}
    for txn_id, ref, memo in db.session.execute(select(
            LedgerTransaction.id, LedgerTransaction.booking_ref, LedgerTransaction.memo)):
        ids[ref or memo] = txn_id
    running: dict[tuple, tuple[int, int]] = {}
    entries = []
    for key, moves in postings:
        for lot_id, account, amount in moves:
            seq, balance = running.get((lot_id, account), (0, 0))
            running[(lot_id, account)] = (seq + 1, balance + amount)
            entries.append(dict(transaction_id=ids[key], lot_id=lot_id, account=account,
                                amount=amount, seq=seq + 1, balance_after=balance + amount))
    _bulk(LedgerEntry.__table__, entries)
    rebuild_lot_balances(db.session)


@click.command("bench-plan")
@click.option("--time-limit", default=25.0, help="Seconds for the optimizer.")
@click.option("--problem-out", type=click.Path(dir_okay=False), default=None,
              help="Also write the problem as the spec's JSON, to compare with the optimizer's "
                   "own benchmark on the same instance.")
@with_appcontext
def bench_plan_command(time_limit: float, problem_out: str | None) -> None:
    """Time "Plan now" end to end on this database: read rows, solve, write proposals."""
    import json
    import resource

    from .planning.models import PlanRun
    from .planning.runner import execute_run

    started = time.perf_counter()
    with unit_of_work():
        run = PlanRun(time_limit=time_limit)
        db.session.add(run)
        db.session.flush()
        run_id = run.id
    execute_run(current_app._get_current_object(), run_id)
    total = time.perf_counter() - started
    run = db.session.get(PlanRun, run_id)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(f"plan-now: {run.status.value}, {run.requests} pending requests, "
               f"{run.placed} placed, cost {run.cost}, bound {run.bound}, "
               f"solver {run.solver_status} in {run.seconds} s; end to end {total:.1f} s; "
               f"peak memory {peak_mb:.0f} MB")
    if problem_out and run.problem:
        with open(problem_out, "w") as handle:
            json.dump(run.problem, handle)
