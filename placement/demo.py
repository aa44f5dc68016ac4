"""`flask --app placement demo`: realistic, fictional demo data and one login per role."""

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from partners.availability import (
    issue_staff_link,
    local_today,
    record_staff_report,
    set_hotel_nights,
    set_out_of_service,
)
from partners.base import utcnow
from partners.geo import locate
from partners.ledger import available_points, donate, hold_points, spend_hold
from partners.models import (
    Donor,
    DonorKind,
    Hotel,
    Policy,
    Shelter,
)
from partners.needs import HOTEL, SHELTER, default_offer_codes, ensure_vocabulary
from partners.organizations import OrganizationKind, add_organization
from partners.points import KNOWN_PROGRAMS
from partners.us_states import us_state

from .auth.cli import create_user, generate_password
from .auth.models import Role, User
from .auth.totp import secret_of, set_secret
from .bookings.models import Booking, new_booking_ref
from .bookings.service import rooms_for
from .bookings.states import BookingState
from .database import unit_of_work
from .extensions import db
from .past import PRIORITIES, Shares, draw, unmet_need_rows, window
from .requests.models import (
    AgeBand,
    ContactChannel,
    DangerZone,
    HousingRequest,
    PersonGender,
    Priority,
    TraffickingType,
    month_of,
)
from .requests.outcomes import RequestOutcome, UnmetNeed
from .requests.party import Person, derived_needs, set_people, wanted_needs

LOGINS_FILE = "demo-logins.txt"
DEMO_DOMAIN = "demo.shelter-bridge.org"
DEMO_AGENCY = "Riverside Family Services"  # a fictional partner agency

# (ZIP, shelter name, policy, pets, accessible, max_stay, capacity, nonbinary, same_gender)
SHELTERS = [
    ("20001", "Harbor House", Policy.WOMEN, False, True, 30, 12, True, False),
    ("20019", "Anacostia Family Center", Policy.FAMILY, False, True, 60, 20, False, False),
    ("20910", "Silver Spring Youth Haven", Policy.YOUTH, False, False, 21, 8, False, False),
    ("22204", "Arlington Bridge Shelter", Policy.ANY, False, True, 14, 16, False, False),
    ("20740", "College Park Safe House", Policy.WOMEN, False, False, 30, 4, False, True),
    ("77002", "Bayou Women's Refuge", Policy.WOMEN, False, True, 45, 18, True, False),
    ("77506", "Pasadena Family Shelter", Policy.FAMILY, False, True, 30, 24, False, False),
    ("77379", "Spring Youth Shelter", Policy.YOUTH, False, True, 21, 10, False, False),
    ("77449", "Katy Men's Center", Policy.MEN, False, False, 30, 14, False, False),
    ("30303", "Peachtree Women's Shelter", Policy.WOMEN, False, True, 30, 15, True, False),
    ("30032", "Decatur Family House", Policy.FAMILY, False, True, 45, 18, False, False),
    ("30060", "Marietta Open Door", Policy.ANY, False, False, 14, 10, False, False),
]

# (ZIP, hotel name, program code, room capacity, pets, accessible, rooms per night, points)
HOTELS = [
    ("20005", "Downtown Suites Washington", "marriott", 4, True, True, 2, 35000),
    ("22202", "Crystal City Inn", "ihg", 4, False, True, 3, 25000),
    ("20852", "Rockville Comfort Lodge", "choice", 4, True, False, 2, 12000),
    ("20774", "Largo Days Hotel", "wyndham", 4, False, True, 2, 15000),
    ("77002", "Houston Center Residence", "marriott", 4, False, True, 2, 30000),
    ("77054", "Medical Center Express", "ihg", 4, True, True, 3, 20000),
    ("77060", "Greenspoint Quality Inn", "choice", 5, False, False, 2, 9000),
    ("77598", "Webster Super Stay", "wyndham", 4, True, False, 2, 7500),
    ("30303", "Centennial Park Courtyard", "marriott", 4, False, True, 2, 32000),
    ("30337", "Airport Holiday Lodge", "ihg", 4, False, True, 3, 18000),
    ("30080", "Smyrna Sleep Inn", "choice", 4, True, False, 2, 10000),
    ("30058", "Lithonia Travelodge", "wyndham", 4, False, False, 2, 7500),
]

# What each place offers beyond its kind's defaults (partners/needs.py default_offer_codes).
OFFERS = {
    "Harbor House": {"lang:es", "trafficking-specialized", "lgbtq-affirming", "no-id",
                     "pregnant", "intake-late"},
    # Near 20002, the family shelter where a mother and her son of 15 with no ID who speak
    # Spanish fit (tests/browser/test_party_journey.py files for them).
    "Anacostia Family Center": {"lang:es", "teen-boys", "pregnant", "no-id"},
    "Silver Spring Youth Haven": {"lang:es", "lgbtq-affirming"},
    "Arlington Bridge Shelter": {"lang:vi", "lang:ko", "intake-late", "no-id"},
    "College Park Safe House": {"trafficking-specialized", "no-id"},
    "Bayou Women's Refuge": {"lang:es", "lang:vi", "trafficking-specialized", "no-id",
                             "pregnant", "intake-late"},
    "Pasadena Family Shelter": {"lang:es", "teen-boys", "pregnant", "no-id"},
    "Spring Youth Shelter": {"lang:es", "lgbtq-affirming"},
    "Katy Men's Center": {"lang:es", "intake-late"},
    "Peachtree Women's Shelter": {"lang:es", "lang:ko", "trafficking-specialized",
                                  "lgbtq-affirming", "no-id"},
    "Decatur Family House": {"lang:fr", "lang:ht", "teen-boys", "pregnant"},
    "Marietta Open Door": {"lang:es", "no-id", "intake-late"},
    "Downtown Suites Washington": {"lang:es", "hotel-age:18", "dog:25-60"},
    "Houston Center Residence": {"lang:es"},
    "Medical Center Express": {"lang:es", "lang:vi", "dog:25-60"},
    "Airport Holiday Lodge": {"lang:ko", "hotel-age:18"},
    "Webster Super Stay": {"hotel-age:18"},
}

DONORS = [
    ("Northwind Logistics", DonorKind.COMPANY, [("marriott", 2_500_000), ("ihg", 1_200_000)]),
    ("A. Rivera", DonorKind.PERSON, [("choice", 250_000), ("wyndham", 120_000)]),
    ("Blue Heron Foundation", DonorKind.COMPANY, [("marriott", 500_000), ("wyndham", 300_000)]),
]


def load_demo(today: date, rng: random.Random) -> dict[str, str]:
    """Flush the demo world; return {email: password} of the demo accounts."""
    logins = {}
    accounts = {}
    # A partner agency whose referrer files and follows the agency's own requests.
    agency = add_organization(db.session, DEMO_AGENCY, OrganizationKind.AGENCY)
    for role in Role:
        email = f"{role.value}@{DEMO_DOMAIN}"
        password = generate_password()
        accounts[role] = create_user(email, role, password,
                                     organization=agency if role is Role.REFERRER else None)
        logins[email] = password
        if role.value in current_app.config["TOTP_REQUIRED_ROLES"]:
            secret = pyotp.random_base32()
            set_secret(accounts[role], secret)
            logins[email] = f"{password}  TOTP secret: {secret}"

    # Published terms (domain brief): months of inactivity before points lapse, and
    # Wyndham's four-year cap on any point's age.
    programs = {}
    for code, facts in KNOWN_PROGRAMS.items():
        programs[code] = facts.record()
        db.session.add(programs[code])
    db.session.flush()
    needs = ensure_vocabulary(db.session)

    def offers(name: str, kind: str, **place) -> set:
        codes = default_offer_codes(kind, **place) | OFFERS.get(name, set())
        return {needs[code] for code in codes}

    for zip_code, name, policy, pets, accessible, max_stay, capacity, nb, same in SHELTERS:
        shelter = Shelter(
            name=name, policy=policy, pets=pets, accessible=accessible, max_stay=max_stay,
            capacity=capacity, accepts_nonbinary=nb, same_gender=same,
            address=f"{rng.randint(100, 9999)} {rng.choice(['Oak', 'Elm', 'Maple', 'Cedar'])} St",
            intake_contact=f"(202) 555-01{rng.randint(10, 99)}, 24 hours",
            intake_instructions=("Call when you are 15 minutes away: staff meet you at a "
                                 "public place nearby and walk you in"),
            hold_hours=6 if policy is Policy.FAMILY else None,
            offers=offers(name, SHELTER, policy=policy.value, same_gender=same, pets=pets),
        )
        shelter.move_to(locate(zip_code))
        db.session.add(shelter)

    for zip_code, name, code, room_capacity, pets, accessible, rooms, points in HOTELS:
        hotel = Hotel(
            name=name, program=programs[code], room_capacity=room_capacity, pets=pets,
            accessible=accessible, rooms_per_night=rooms, standard_points=points,
            address=f"{rng.randint(100, 2999)} {rng.choice(['Main', 'Park', 'Lake'])} Ave",
            intake_contact=f"Front desk, (301) 555-01{rng.randint(10, 99)}",
            intake_instructions=("Check in at the front desk: the room is booked under the "
                                 "hotline's name; give the confirmation code"),
            offers=offers(name, HOTEL, pets=pets),
        )
        hotel.move_to(locate(zip_code))
        db.session.add(hotel)
    db.session.flush()
    demo_nights(today, utcnow(), rng)

    for index, (name, kind, lots) in enumerate(DONORS):
        donor = Donor(name=name, kind=kind, user_id=accounts[Role.DONOR].id if index == 0 else None)
        db.session.add(donor)
        db.session.flush()
        for code, points in lots:
            received = today - timedelta(days=rng.randint(200, 330))
            donate(db.session, donor.id, programs[code], points, received)
    past_requests(today, rng, programs)

    advocate = accounts[Role.ADVOCATE]
    for spec in demo_requests(today):
        # A partner's referral is the agency's referrer's: coordinators see where it came from.
        filer = (accounts[Role.REFERRER]
                 if spec.get("contact_channel") is ContactChannel.PARTNER else advocate)
        zones, people = spec.pop("zones", []), spec.pop("people")
        codes = wanted_needs(spec.pop("needs", ()), derived_needs(people), ())
        spec["needs"] = {needs[code] for code in codes}
        where = locate(spec.pop("where"))
        request = HousingRequest(
            created_by_id=filer.id, location_label=where.label, lat=where.lat, lon=where.lon,
            timezone=where.timezone,
            **spec,
        )
        set_people(request, people)
        for label, miles in zones:
            zone = locate(label)
            request.danger_zones.append(
                DangerZone(label=zone.label, lat=zone.lat, lon=zone.lon, miles=miles)
            )
        db.session.add(request)
    db.session.flush()
    return logins


# Where past callers were: near the partners (the first of each state's ZIP codes most).
PAST_REQUESTS = 160
PAST_ZIPS = {"20002": 5, "20019": 3, "20910": 2, "20740": 1, "22204": 2, "77002": 4,
             "77099": 3, "77506": 2, "30309": 3, "30032": 2, "30060": 1}


def past_requests(today: date, rng: random.Random, programs: dict) -> None:
    """Six months of requests whose window is over, filed by an advocate who has since left:
    each with its steps, its stays and its outcome (placement/past.py), the ones placed
    at a partner of their state. The hotel stays are paid with donated points, so that
    donors' dashboards have something to show; those past retention are purged."""
    former = create_user(f"former.advocate@{DEMO_DOMAIN}", Role.ADVOCATE, generate_password())
    former.active = False
    shelters, hotels = (db.session.scalars(select(model).order_by(model.id)).all()
                        for model in (Shelter, Hotel))
    # Spend at most a third of each program's points: the planner needs the rest.
    budget = {p.id: available_points(db.session, p.id, today) // 3 for p in programs.values()}
    zips = Shares(PAST_ZIPS)
    needs = ensure_vocabulary(db.session)
    need_ids = {code: need.id for code, need in needs.items()}
    zone, retention = current_app.config["HOTLINE_TIMEZONE"], current_app.config["RETENTION_DAYS"]
    for _ in range(PAST_REQUESTS):
        where = locate(zips.draw(rng))
        day = today - timedelta(days=rng.randint(14, 180))  # windows over a week ago
        priority, nights, people = PRIORITIES.draw(rng), rng.randint(2, 7), rng.choice(PARTIES)
        filed = datetime.combine(day, time(rng.randint(10, 21), rng.randint(0, 59)))
        past = draw(rng, filed, priority, day, nights)
        request = HousingRequest(
            created_by_id=former.id, location_label=where.label, lat=where.lat,
            lon=where.lon, timezone=where.timezone, earliest=day, arrive_by=window(
                priority, day), nights=nights, priority=priority, created_at=filed,
            filed_month=month_of(filed, zone), us_state=us_state(where.state),
            **past.columns())
        set_people(request, people)
        if past.latest + timedelta(days=retention) < today:  # as the retention job does
            request.location_label = request.lat = request.lon = None
            request.people = []
            request.purged_at = past.decided_at + timedelta(days=retention)
        db.session.add(request)
        near = [p for p in (*shelters, *hotels) if p.state == where.state]
        placing = None
        for stay in past.stays:
            place = rng.choice(near)
            points = nights * place.standard_points if isinstance(place, Hotel) else 0
            if points and (stay.state is not BookingState.CHECKED_OUT
                           or points > budget[place.program_id]):
                place, points = rng.choice([s for s in near if isinstance(s, Shelter)]), 0
            booking = Booking(
                ref=new_booking_ref(), request=request, check_in=stay.check_in, nights=nights,
                persons=request.persons, state=stay.state, approved_at=stay.approved_at,
                reason_code=stay.reason_code, points_planned=points,
                rooms=rooms_for(request.persons, place.room_capacity) if points else 0,
                created_at=past.steps.get("first_proposed") or filed,
                **({"hotel": place} if points else {"shelter": place}))
            db.session.add(booking)
            if stay.state is BookingState.CHECKED_OUT:
                placing = booking
                booking.confirmation, booking.points_charged = "C-DEMO", points or None
                if points:
                    budget[place.program_id] -= points
                    _spent(booking, place.program_id, past.steps["checked_out"])
        if past.needs and request.purged_at is None:  # retention deletes them
            request.needs = {needs[code] for code in past.needs}
        db.session.flush()
        db.session.add(RequestOutcome(request_id=request.id, kind=past.kind,
                                      reason=past.reason, decided_at=past.decided_at,
                                      booking_id=placing.id if placing else None))
        db.session.add_all(UnmetNeed(**row) for row in unmet_need_rows(past, {
            "filed_month": request.filed_month, "us_state": request.us_state,
            "priority": priority}, need_ids))


def _spent(booking: Booking, program_id: int, at: datetime) -> None:
    """A past hotel stay's points, held and spent, both posted in the past: donors' figures
    are sums of postings up to a month's end."""
    held = hold_points(db.session, program_id, booking.points_planned, booking.ref,
                       at.date() - timedelta(days=booking.nights + 2))
    spent = spend_hold(db.session, booking.ref, nights=booking.nights,
                       persons=booking.persons)
    held.created_at, spent.created_at = at - timedelta(days=booking.nights + 1), at


# Shelters whose staff last confirmed a while ago: the coordinator pages flag them.
AGING_SHELTER, STALE_SHELTER = "Arlington Bridge Shelter", "Katy Men's Center"


def demo_nights(today: date, now: datetime, rng: random.Random) -> None:
    """Staff reports for tonight (most recent, one aging, one stale), a few beds out of
    service, and peak-night prices at a couple of hotels."""
    for shelter in db.session.scalars(select(Shelter).order_by(Shelter.id)):
        issue_staff_link(db.session, shelter, now)
        minutes = {AGING_SHELTER: 190, STALE_SHELTER: 610}.get(shelter.name, rng.randint(5, 90))
        free = rng.randint(0, min(shelter.capacity, 4))
        tonight = local_today(shelter.timezone, now)
        record_staff_report(db.session, shelter, tonight, free, now - timedelta(minutes=minutes),
                            source="staff link")
        if shelter.name == "Harbor House":  # a room under repair for three nights
            set_out_of_service(db.session, shelter, tonight, tonight + timedelta(days=2), 2)
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    for hotel in db.session.scalars(select(Hotel).where(Hotel.name.in_(
            ["Downtown Suites Washington", "Houston Center Residence"]))):
        set_hotel_nights(db.session, hotel, friday, friday + timedelta(days=1),
                         points=hotel.standard_points * 3 // 2, rooms=None)


WOMAN, MAN = Person(AgeBand.ADULT_25, PersonGender.FEMALE), Person(AgeBand.ADULT_25,
                                                                   PersonGender.MALE)
GIRL, BOY = Person(AgeBand.CHILD, PersonGender.FEMALE), Person(AgeBand.CHILD, PersonGender.MALE)
TEEN_BOY = Person(AgeBand.TEEN, PersonGender.MALE)
# Past parties: mostly a woman alone, then mothers with children.
PARTIES = [[WOMAN], [WOMAN], [WOMAN], [WOMAN, GIRL], [WOMAN, BOY, GIRL], [MAN], [WOMAN, WOMAN]]


def demo_requests(today: date) -> list[dict]:
    """The pending requests: each names its people (the needs that follow from them are
    added) and the needs the advocate ticked."""
    tomorrow = today + timedelta(days=1)
    return [
        # A mother with two children and a dog: only a pet-friendly hotel can take them.
        dict(people=[WOMAN, GIRL, BOY], pets=1, where="20002", max_miles=30,
             earliest=today, latest=today, nights=5, priority=Priority.CRITICAL,
             zones=[("21201", 20)], trafficking_type=TraffickingType.SEX,
             contact_channel=ContactChannel.CALL),
        # A woman alone, tonight, who speaks Spanish: a women's shelter bed where staff
        # speak it (or a hotel whose front desk does).
        dict(people=[WOMAN], where="Houston, TX", max_miles=25,
             earliest=today, latest=today, nights=7, priority=Priority.CRITICAL,
             needs=["lang:es"], trafficking_type=TraffickingType.LABOR,
             contact_channel=ContactChannel.TEXT),
        # A man in a wheelchair within 24 hours.
        dict(people=[MAN], accessible=True, where="30309",
             max_miles=20, earliest=today, latest=tomorrow, nights=3, priority=Priority.HIGH,
             trafficking_type=TraffickingType.LABOR, contact_channel=ContactChannel.PARTNER),
        # Far from every partner, unable to travel: no place can take this request.
        dict(people=[WOMAN, WOMAN, GIRL], where="59001", max_miles=15,
             earliest=today, latest=tomorrow, nights=4, priority=Priority.HIGH,
             contact_channel=ContactChannel.CHAT),
        # A family with a son of 15, a few days from now: a family shelter that takes
        # teenage boys, or a hotel (every hotel does).
        dict(people=[WOMAN, WOMAN, TEEN_BOY, GIRL, BOY], where="77099", max_miles=40,
             earliest=today + timedelta(days=2), latest=today + timedelta(days=4), nights=10,
             priority=Priority.NORMAL, trafficking_type=TraffickingType.UNKNOWN,
             contact_channel=ContactChannel.CALL),
    ]


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (but show the logins) if data exists.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Fill an empty database with fictional demo data and print one login per role."""
    logins_path = Path(current_app.instance_path) / LOGINS_FILE
    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("The database already has data; demo logins:")
            if logins_path.exists():
                click.echo(logins_path.read_text())
            return
        raise click.ClickException(
            "the database is not empty; the demo loads only into an empty one"
        )
    with unit_of_work():
        today = local_today(current_app.config["HOTLINE_TIMEZONE"], utcnow())
        logins = load_demo(today, random.Random(2026))
    text = "\n".join(f"  {email}  password: {password}" for email, password in logins.items())
    # Kept beside the database so `make run` can show them again; demo accounts only.
    logins_path.write_text(text + "\n")
    logins_path.chmod(0o600)
    click.echo("Demo data loaded: 12 shelters, 12 hotels, 4 loyalty programs, 3 donors,")
    click.echo(f"5 pending requests, {PAST_REQUESTS} past ones with their stays and outcomes. "
               "Demo logins (one per role):")
    click.echo(text)
    click.echo("Coordinators and admins also enter a code: add the TOTP secret to an "
               "authenticator app, or run\n  .venv/bin/flask --app placement demo-code "
               f"coordinator@{DEMO_DOMAIN}")


@click.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code_command(email: str) -> None:
    """Print the current two-step code of a demo account (demo accounts only), for trying
    the app without an authenticator app at hand."""
    if not email.lower().endswith("@" + DEMO_DOMAIN):
        raise click.ClickException("only demo accounts; use an authenticator app for real ones")
    user = db.session.scalar(select(User).where(User.email == email.lower()))
    if user is None or user.totp_secret_encrypted is None:
        raise click.ClickException(f"{email} has no two-step sign-in")
    click.echo(pyotp.TOTP(secret_of(user)).now())
