"""The vocabulary of needs: what a party must find at a place, and what a place offers.

Each entry's `code` is the raw string the optimizer compares (see Request.needs and the
places' offers in ../shared/spec/placement-problem.md), so it never changes once in use;
the label and help text are for people. An entry applies to shelters, hotels or both: a need
that does not apply to a kind of place (a hotel's minimum check-in age, at a shelter) is
met by every place of that kind, which the bridge adds to their offers when it builds a
problem (it is not stored). Admins may add entries; an inactive one is no longer offered
for new choices but keeps its meaning where it is used.

The migration that made this table seeds it with VOCABULARY (its own frozen copy); a
database emptied by hand gets it back from `ensure_vocabulary`.
"""

from typing import NamedTuple

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base


class Need(Base):
    __tablename__ = "need"
    __table_args__ = (
        CheckConstraint("for_shelters OR for_hotels", name="applies_somewhere"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    help_text: Mapped[str] = mapped_column(String(300), default="")
    for_shelters: Mapped[bool] = mapped_column(default=True)
    for_hotels: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

    def applies_to(self, kind: str) -> bool:
        """Whether places of this kind ("shelter" or "hotel") may lack it."""
        return self.for_shelters if kind == SHELTER else self.for_hotels

    def __repr__(self) -> str:
        return f"Need({self.code!r})"


SHELTER, HOTEL = "shelter", "hotel"

# What each shelter and each hotel offers (the needs they meet).
shelter_offer = Table(
    "shelter_offer", Base.metadata,
    Column("shelter_id", ForeignKey("shelter.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", ForeignKey("need.id"), primary_key=True, index=True),
)
hotel_offer = Table(
    "hotel_offer", Base.metadata,
    Column("hotel_id", ForeignKey("hotel.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", ForeignKey("need.id"), primary_key=True, index=True),
)


class Entry(NamedTuple):
    code: str
    label: str
    help_text: str
    for_shelters: bool = True
    for_hotels: bool = True


# The languages the hotline's callers speak most, after English (ISO 639 codes).
LANGUAGES = [
    ("es", "Spanish"), ("zh", "Chinese"), ("vi", "Vietnamese"), ("tl", "Tagalog"),
    ("ar", "Arabic"), ("fr", "French"), ("ht", "Haitian Creole"), ("ko", "Korean"),
    ("ru", "Russian"), ("pt", "Portuguese"),
]

MIXED_ADULTS = "mixed-adults"

VOCABULARY: tuple[Entry, ...] = (
    *(Entry(f"lang:{code}", f"Staff speak {name}",
            f"Someone on staff at intake speaks {name}.") for code, name in LANGUAGES),
    Entry("no-id", "Accepts guests without ID",
          "Takes guests who have no identification (traffickers often hold it)."),
    Entry("hotel-age:18", "Checks in guests aged 18 to 20",
          "The hotel checks in a guest of 18 or older (most ask for 21).",
          for_shelters=False),
    Entry("hotel-age:21", "Checks in guests aged 21 to 24",
          "The hotel checks in a guest of 21 or older (a few ask for 25).",
          for_shelters=False),
    Entry("trafficking-specialized", "Trafficking-specialized program",
          "Staff trained for survivors of trafficking, with case management."),
    Entry("lgbtq-affirming", "LGBTQ+-affirming",
          "Known to welcome LGBTQ+ guests and to house them by their gender identity."),
    Entry("pregnant", "Accepts pregnant guests",
          "Takes guests who are pregnant.", for_hotels=False),
    Entry("teen-boys", "Accepts teenage boys with their family",
          "Takes boys 13 to 17 with their mother or family.", for_hotels=False),
    Entry("dog:under-25", "Dogs under 25 lb", "Takes a dog under 25 pounds."),
    Entry("dog:25-60", "Dogs of 25 to 60 lb", "Takes a dog of 25 to 60 pounds."),
    Entry("dog:over-60", "Dogs over 60 lb", "Takes a dog over 60 pounds."),
    Entry("intake-late", "Intake after 10 pm",
          "Admits a new guest after 10 pm.", for_hotels=False),
    Entry(MIXED_ADULTS, "Adults of more than one gender together",
          "Houses a party whose adults are not all of one gender (`any` and `family` "
          "shelters, and hotels; never women's, men's or same-gender shelters)."),
)


def ensure_vocabulary(session: Session) -> dict[str, Need]:
    """Every seeded entry exists (adding the missing ones, leaving the others as they are);
    returns every need by its code."""
    needs = {n.code: n for n in session.scalars(select(Need))}
    for entry in VOCABULARY:
        if entry.code not in needs:
            needs[entry.code] = Need(**entry._asdict())
            session.add(needs[entry.code])
    session.flush()
    return needs


def implied_offers(session: Session) -> dict[str, frozenset[str]]:
    """Per kind of place, the codes of the needs that do not apply to it (every place of that
    kind meets them)."""
    rows = session.execute(select(Need.code, Need.for_shelters, Need.for_hotels)).all()
    return {SHELTER: frozenset(code for code, shelters, _ in rows if not shelters),
            HOTEL: frozenset(code for code, _, hotels in rows if not hotels)}


def default_offer_codes(kind: str, policy: str | None = None, same_gender: bool = False,
                        pets: bool = False) -> set[str]:
    """What a place of this kind offers until a coordinator says otherwise (the migration
    gave existing places these): adults of mixed genders where the policy admits them,
    the usual check-in age at hotels, and small dogs where pets are allowed."""
    codes = set()
    if kind == HOTEL or (policy in ("any", "family") and not same_gender):
        codes.add(MIXED_ADULTS)
    if kind == HOTEL:
        codes.add("hotel-age:21")
    if pets:
        codes.add("dog:under-25")
    return codes

