"""The party as people without names: what follows from their ages and genders.

A request lists each person by age band and gender. From them, and only here, come the
counts and the gender the optimizer and the duplicate check read (`tally`), and the needs
a party has whatever the advocate ticks (`derived_needs`): a women's shelter that takes no
teenage boys, a hotel that checks in no one under 21 and a same-gender house fail such a
party at the door.
"""

from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

from partners.needs import MIXED_ADULTS

from .models import AgeBand, Gender, HousingRequest, PartyMember, PersonGender

MAX_PEOPLE = 20

TEEN_BOYS = "teen-boys"
# The hotel age bucket of the youngest adult (hotels without a rule of their own check in
# from 25 or, by default, from 21: partners/needs.py).
HOTEL_AGE = {AgeBand.ADULT_18: "hotel-age:18", AgeBand.ADULT_21: "hotel-age:21"}

# Each need that follows from the party, with the rule in words (shown beside it).
DERIVED_RULES = {
    TEEN_BOYS: "Added when a boy of 13 to 17 comes with an adult.",
    HOTEL_AGE[AgeBand.ADULT_18]: "Added when the youngest adult is 18 to 20.",
    HOTEL_AGE[AgeBand.ADULT_21]: "Added when the youngest adult is 21 to 24.",
    MIXED_ADULTS: "Added when the adults are not all of one gender.",
}


class Person(NamedTuple):
    age_band: AgeBand
    gender: PersonGender


class Someone(Protocol):
    """A Person, or a stored PartyMember."""

    age_band: AgeBand
    gender: PersonGender


class Tally(NamedTuple):
    adults: int
    children: int
    gender: Gender


class PartyError(ValueError):
    """A party the planner cannot house as given; the message says why."""


def person_error(age_band: AgeBand, gender: PersonGender) -> str | None:
    """What is wrong with one person as given (the form and the API ask the same)."""
    if gender is PersonGender.UNKNOWN and age_band is not AgeBand.CHILD:
        return ("Give the gender of an adult or a teenager: shelters and the needs that "
                "follow from the party depend on it.")
    return None


def known_genders(people: Iterable[Someone]) -> list[PersonGender]:
    return [p.gender for p in people if p.gender is not PersonGender.UNKNOWN]


def tally(people: Sequence[Someone]) -> Tally:
    """The party's counts and its one gender, which the shelters' policies read: the
    adults' gender; where they differ, the first adult's (the `mixed-adults` need then keeps
    the party out of women's, men's and same-gender places); with no adult, the first child
    whose gender is known. PartyError for an empty party or one with no known gender."""
    if not people:
        raise PartyError("A party has at least one person.")
    adults = [p for p in people if p.age_band.is_adult]
    genders = known_genders(adults) or known_genders(people)
    if not genders:
        raise PartyError("Give the gender of at least one person: shelters house people by it.")
    return Tally(len(adults), len(people) - len(adults), Gender(genders[0].value))


def derived_needs(people: Sequence[Someone]) -> set[str]:
    """The needs that follow from who is in the party (DERIVED_RULES). A boy 13-17 alone
    is an unaccompanied minor, placed only at a youth shelter: no need of a family's."""
    adults = [p for p in people if p.age_band.is_adult]
    needs = set()
    if adults and any(p.age_band is AgeBand.TEEN and p.gender is PersonGender.MALE
                      for p in people):
        needs.add(TEEN_BOYS)
    bands = {p.age_band for p in adults}
    youngest = next((band for band in HOTEL_AGE if band in bands), None)
    if youngest is not None:
        needs.add(HOTEL_AGE[youngest])
    if len(set(known_genders(adults))) > 1:
        needs.add(MIXED_ADULTS)
    return needs


def following_needs(people: Sequence[Someone], had: Iterable[str] = ()) -> set[str]:
    """The needs that follow from the party, and those of their kind (DERIVED_RULES) a
    request already has without its people calling for them (filed before they were
    asked): kept, and shown as following, until the advocate says they are not needed."""
    return derived_needs(people) | (set(had) & DERIVED_RULES.keys())


def wanted_needs(chosen: Iterable[str], follows: set[str], waived: Iterable[str]) -> set[str]:
    """What a request needs: the advocate's ticks, and every need that follows from the
    party unless the advocate said it is not needed (only one that follows can be waived)."""
    return set(chosen) | (follows - set(waived))


def set_people(request: HousingRequest, people: Sequence[Someone]) -> None:
    """Give the request its people and, from them, its counts and gender (PartyError when
    they cannot be derived)."""
    counts = tally(people)
    request.people = [PartyMember(position=i, age_band=p.age_band, gender=p.gender)
                      for i, p in enumerate(people)]
    request.adults, request.children, request.gender = counts


def people_from_counts(adults: int, children: int, gender: Gender) -> list[Person]:
    """The people a party known only by its counts stands for (how the migration read the
    requests filed before people were asked): adults of the party's gender, children of
    no known age or gender, except in a party with no adult, whose gender was theirs."""
    party_gender = PersonGender(gender.value)
    child_gender = PersonGender.UNKNOWN if adults else party_gender
    return ([Person(AgeBand.ADULT, party_gender)] * adults
            + [Person(AgeBand.MINOR, child_gender)] * children)


AGE_WORDS = {AgeBand.ADULT_25: " 25+", AgeBand.ADULT_21: " 21-24", AgeBand.ADULT_18: " 18-20",
             AgeBand.TEEN: " 13-17", AgeBand.CHILD: " under 13"}
NOUNS = {  # (adult, teen, child) by gender
    PersonGender.FEMALE: ("woman", "girl", "girl"),
    PersonGender.MALE: ("man", "boy", "boy"),
    PersonGender.NONBINARY: ("nonbinary adult", "nonbinary teen", "nonbinary child"),
    PersonGender.UNKNOWN: ("adult", "teen", "child"),
}


def person_words(person: Someone) -> str:
    """"woman 25+", "boy 13-17", "child under 13"; "adult woman" or "child" where the age
    was not recorded."""
    adult, teen, child = NOUNS[person.gender]
    band = person.age_band
    if band is AgeBand.ADULT:
        return adult if adult.startswith(("adult", "nonbinary")) else f"adult {adult}"
    noun = adult if band.is_adult else teen if band is AgeBand.TEEN else child
    return noun + AGE_WORDS.get(band, "")


def party_words(people: Iterable[Someone]) -> str:
    """The party as shelter staff and advocates read it: "woman 25+, boy 13-17"."""
    return ", ".join(person_words(p) for p in people)
