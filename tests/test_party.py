"""The party as people (issue 16): the counts, the gender and the needs that follow from
who is in it, from one function each, for every party of up to three people."""

from itertools import combinations_with_replacement, permutations, product

import pytest

from placement.requests.models import AgeBand, Gender, PersonGender
from placement.requests.party import (
    PartyError,
    Person,
    derived_needs,
    following_needs,
    party_words,
    people_from_counts,
    tally,
    wanted_needs,
)

A25, A21, A18, TEEN, CHILD = (AgeBand.ADULT_25, AgeBand.ADULT_21, AgeBand.ADULT_18,
                              AgeBand.TEEN, AgeBand.CHILD)
F, M, NB, UNKNOWN = (PersonGender.FEMALE, PersonGender.MALE, PersonGender.NONBINARY,
                     PersonGender.UNKNOWN)
EVERYONE = [Person(band, gender) for band, gender in product(AgeBand, PersonGender)]
ADULT_AGES = {A25, A21, A18, AgeBand.ADULT}


def parties(most: int = 3):
    for size in range(1, most + 1):
        yield from combinations_with_replacement(EVERYONE, size)


def expected_needs(party) -> set[str]:
    """The rules as the issue states them, written out again person by person."""
    adults = [p for p in party if p.age_band in ADULT_AGES]
    needs = set()
    if adults and Person(TEEN, M) in party:
        needs.add("teen-boys")
    if any(p.age_band is A18 for p in adults):
        needs.add("hotel-age:18")
    elif any(p.age_band is A21 for p in adults):
        needs.add("hotel-age:21")
    if len({p.gender for p in adults} - {UNKNOWN}) > 1:
        needs.add("mixed-adults")
    return needs


def test_every_party_of_up_to_three_gets_exactly_the_needs_that_follow_from_it():
    checked = 0
    for party in parties():
        for order in {party, tuple(reversed(party))}:  # the order people are listed in
            assert derived_needs(order) == expected_needs(party), order
            checked += 1
    assert checked > 4000


@pytest.mark.parametrize("party, needs", [
    ([Person(A25, F), Person(TEEN, M)], {"teen-boys"}),  # mother and son of 15
    ([Person(A25, F), Person(TEEN, F), Person(CHILD, M)], set()),
    ([Person(TEEN, M)], set()),  # alone: a youth shelter's, not a family's
    ([Person(A25, F), Person(A18, F)], {"hotel-age:18"}),  # youngest adult decides
    ([Person(A21, F), Person(CHILD, UNKNOWN)], {"hotel-age:21"}),
    ([Person(A21, M), Person(A18, M)], {"hotel-age:18"}),
    ([Person(A25, F), Person(A25, M)], {"mixed-adults"}),
    ([Person(A25, NB), Person(A25, F)], {"mixed-adults"}),  # nonbinary is a gender of its own
    ([Person(A25, F), Person(AgeBand.ADULT, UNKNOWN)], set()),  # only known genders count
    ([Person(A25, F), Person(CHILD, M), Person(CHILD, F)], set()),  # children: not adults
    ([Person(A18, M), Person(A25, F), Person(TEEN, M)],
     {"teen-boys", "hotel-age:18", "mixed-adults"}),
])
def test_needs_that_follow_from_a_party(party, needs):
    assert derived_needs(party) == needs


def test_a_need_that_follows_is_kept_unless_waived_and_only_those_can_be_waived():
    follows = derived_needs([Person(A25, F), Person(TEEN, M)])
    assert wanted_needs({"lang:es"}, follows, ()) == {"lang:es", "teen-boys"}
    assert wanted_needs({"lang:es"}, follows, {"teen-boys"}) == {"lang:es"}
    assert wanted_needs({"lang:es"}, follows, {"lang:es", "mixed-adults"}) == {"lang:es",
                                                                               "teen-boys"}


def test_a_need_of_the_partys_kind_a_request_had_from_before_follows_until_waived():
    old = people_from_counts(2, 3, Gender.FEMALE)  # a family with a son of 15, then
    assert following_needs(old, {"teen-boys", "lang:es"}) == {"teen-boys"}
    assert following_needs([Person(A18, F)], {"teen-boys"}) == {"teen-boys", "hotel-age:18"}


def test_the_counts_and_the_gender_follow_from_the_people():
    assert tally([Person(A25, F), Person(TEEN, M), Person(CHILD, UNKNOWN)]) == (1, 2,
                                                                                 Gender.FEMALE)
    # Adults of two genders: the first adult's (mixed-adults keeps them out of places that
    # house one gender); with no adult, the first child whose gender is known.
    assert tally([Person(CHILD, F), Person(A25, M), Person(A25, F)]) == (2, 1, Gender.MALE)
    assert tally([Person(CHILD, UNKNOWN), Person(TEEN, NB)]) == (0, 2, Gender.NONBINARY)
    assert tally([Person(AgeBand.ADULT, UNKNOWN), Person(A18, F)]).gender is Gender.FEMALE


@pytest.mark.parametrize("party, error", [
    ([], "at least one person"),
    ([Person(CHILD, UNKNOWN)], "gender of at least one person"),
])
def test_a_party_that_cannot_be_housed_as_given_is_refused(party, error):
    with pytest.raises(PartyError, match=error):
        tally(party)


def test_every_count_based_party_reads_back_as_it_was_with_no_needs():
    for adults, children, gender in product(range(4), range(4), Gender):
        if adults + children == 0:
            continue
        people = people_from_counts(adults, children, gender)
        assert tally(people) == (adults, children, gender)
        assert derived_needs(people) == set()


def test_a_party_reads_as_people_without_names():
    assert party_words([Person(A25, F), Person(TEEN, M), Person(CHILD, F)]) == \
        "woman 25+, boy 13-17, girl under 13"
    assert party_words(people_from_counts(1, 2, Gender.FEMALE)) == "adult woman, child, child"
    assert party_words([Person(A18, NB), Person(CHILD, UNKNOWN)]) == \
        "nonbinary adult 18-20, child under 13"
    every_word = {party_words(order) for order in permutations(EVERYONE, 1)}
    assert len(every_word) == len(EVERYONE)  # no two people read alike
