"""Plain-words answers for coordinators: does this stay fit, and why is this request unplaced.

`check_stay` lists every rule one proposed stay breaks (for manual placement and for the
re-check at approval). `explain_unplaced` gives, for each unplaced request, the first reason
that holds, in this order: nothing in reach passes the place rules; nothing fits even with no
other request; the other stays of the plan take what is left; a stay would cost more than
leaving the request out; or else a stay does fit now (the plan was not optimal).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .geo import SLACK, miles
from .heuristic import Usage
from .options import Option, Options, PlaceTable, _np_miles, parts
from .plan import Plan
from .problem import Hotel, Place, Problem, Request, Shelter
from .rules import fixed_load, place_refusals, policy_refusal, stay_units, unplaced_units


@dataclass
class Reason:
    kind: str  # distance, excluded, danger, policy, pets, accessible, needs, max_stay, adult,
    #            full_alone, costly, taken, fits
    text: str
    places: list[str] = field(default_factory=list)  # the places the reason is about
    needs: list[str] = field(default_factory=list)  # the missing needs named, raw strings


def check_stay(problem: Problem, request_id: str, resource_id: str, check_in: int,
               plan: Plan | None = None) -> list[str]:
    """Every rule that the stay (request at resource from check_in) breaks, in plain words.

    Beds, rooms, genders and points count the fixed stays and, when `plan` is given, the
    plan's other stays (its own stay for this request, if any, is left out). Empty: it fits.
    """
    r = problem.request_by_id.get(request_id)
    if r is None:
        return [f"there is no pending request {request_id}"]
    place = problem.places.get(resource_id)
    if place is None:
        return [f"there is no shelter or hotel {resource_id}"]
    out = []
    if not r.earliest <= check_in <= r.latest:
        out.append(f"check-in on {_night(problem, check_in)} is outside the request's window "
                   f"({_night(problem, r.earliest)} to {_night(problem, r.latest)})")
    out.extend(place_refusals(r, place))
    if not 0 <= check_in < problem.nights:
        return out
    usage = _usage(problem, plan, skip=request_id)
    o = _option(problem, r, place, check_in)
    o.req = problem.requests.index(r)
    out.extend(_blocked(problem, usage, o).words)
    return out


def explain_unplaced(problem: Problem, plan: Plan) -> dict[str, str]:
    """For each unplaced request of `plan`, the first reason that holds, in plain words."""
    return {rid: reason.text for rid, reason in unplaced_reasons(problem, plan).items()}


def unplaced_reasons(problem: Problem, plan: Plan) -> dict[str, Reason]:
    """For each unplaced request of `plan`, the first reason that holds (its kind and its
    words)."""
    # Unplaced requests are not in the plan, so one picture of what the plan uses serves
    # them all (rebuilding it per request cost 27 s for 239 requests at national scale).
    usage = _usage(problem, plan)
    return {rid: explain_request(problem, plan, rid, usage) for rid in plan.unplaced
            if rid in problem.request_by_id}


RULES = ("distance", "excluded", "danger", "policy", "pets", "accessible", "needs", "max_stay",
         "full")


def explain_request(problem: Problem, plan: Plan, request_id: str,
                    usage: Usage | None = None) -> Reason:
    """The first reason that holds for one request.

    Where the place rules or capacity keep it out everywhere, the reason names a rule that
    alone keeps some place out (so lifting it lets the request in); failing that, the fewest
    rules that together do. Either way the sentence is true of every place in reach: a rule
    some place in reach passes is never named as if no place did (a full youth shelter is
    named full, not hidden behind "no place takes an unaccompanied minor").
    """
    r = problem.request_by_id[request_id]
    index = problem.requests.index(r)
    if usage is None or request_id in plan.placed:
        usage = _usage(problem, plan, skip=request_id)
    failing: dict[str, set[str]] = {}  # place -> the rules it breaks for r beside the plan
    now: dict[str, list[tuple[Option, Block]]] = {}
    for p in _candidates(problem, r):
        rules = _static_rules(r, p)
        opts = []
        for s in range(r.earliest, r.latest + 1):
            o = _option(problem, r, p, s)
            o.req = index
            opts.append((o, _blocked(problem, usage, o)))
        now[p.id] = opts
        if all(why for _, why in opts):
            rules.add("full")
        failing[p.id] = rules
    if not failing:
        where = f"within {3 * r.max_miles:g} miles" if r.max_miles is not None else "at all"
        return Reason("distance", f"there is no shelter or hotel {where}")
    if all(failing.values()):
        reason = _static_reason(problem, r, failing, now)
        if r.max_moves and r.nights > 1 and set(reason.kind.split("+")) & BRIDGEABLE:
            return _with_bridges(problem, r, usage, reason)
        return reason
    fits = sorted((o for k, rules in failing.items() if not rules for o, why in now[k]
                   if not why), key=lambda o: o.cost)
    u = unplaced_units(r)
    best = fits[0]
    if best.cost >= u:
        return Reason("costly", f"the cheapest stay that fits ({_describe(problem, best)}) "
                      f"would cost {best.cost / 1000:,.3f}, no less than the {u / 1000:,.0f} "
                      "of leaving this request unplaced", [best.place])
    return Reason("fits", f"a stay fits now ({_describe(problem, best)}): run the planner again "
                  "or place it by hand", [best.place])


def _full_reason(problem: Problem, blocked: list[tuple[Option, Block]],
                 places: list[str]) -> Reason:
    """Every stay at places that pass the rules is blocked: by fixed stays alone, or also by
    the plan's other stays."""
    empty = _usage(problem, None)
    alone = [(o, _blocked(problem, empty, o)) for o, _ in blocked]
    if all(why for _, why in alone):
        return Reason("full_alone", "even with no other request placed, "
                      + _summary(problem, alone), places)
    return Reason("taken", _summary(problem, blocked), places)


def _candidates(problem: Problem, r: Request) -> list[Place]:
    """Places in reach, and beyond it up to three times as far (to say 'too far' honestly)."""
    places: list[Place] = [*problem.shelters, *problem.hotels] if r.adults else [
        *problem.shelters]  # hotels never take unaccompanied minors: no obstacle to lift
    if r.max_miles is None or not places:
        return places
    lats = np.array([p.lat for p in places])
    lons = np.array([p.lon for p in places])
    near = np.nonzero(_np_miles(r.lat, r.lon, lats, lons) <= 3 * r.max_miles + 0.01)[0]
    return [places[i] for i in near]


def _static_rules(r: Request, p: Place) -> set[str]:
    rules = set()
    d = miles(r.lat, r.lon, p.lat, p.lon)
    if r.max_miles is not None and d > r.max_miles + SLACK:
        rules.add("distance")
    if p.id in r.exclude:
        rules.add("excluded")
    if any(miles(z.lat, z.lon, p.lat, p.lon) <= z.miles - SLACK for z in r.avoid):
        rules.add("danger")
    if (policy_refusal(p, r) is not None) if isinstance(p, Shelter) else r.adults == 0:
        rules.add("policy")
    if r.needs_pet_place and not p.pets:
        rules.add("pets")
    if r.accessible and not p.accessible:
        rules.add("accessible")
    if r.needs and not r.needs <= p.offers:
        rules.add("needs")
    if isinstance(p, Shelter) and p.max_stay is not None and r.nights > p.max_stay:
        rules.add("max_stay")
    return rules


def _static_reason(problem: Problem, r: Request, failing: dict[str, set[str]],
                   now: dict[str, list[tuple[Option, Block]]]) -> Reason:
    """Name the first rule that alone keeps some place out; else the fewest rules together."""
    where = f"within {r.max_miles:g} miles" if r.max_miles is not None else "anywhere"
    for rule in RULES:
        sole = sorted(k for k, rules in failing.items() if rules == {rule})
        if not sole:
            continue
        if rule == "full":
            return _full_reason(problem, [ob for k in sole for ob in now[k]], sole)
        if rule in EVERY_PLACE and not _every_place_breaks(failing, {rule}):
            continue  # "no place takes ..." would be false: another rule is the binding one
        needs = _named_needs(problem, r, failing, (rule,))
        return Reason(rule, _sentence(problem, r, (rule,), where, sole, needs), sole, needs)
    rules = _fewest_rules(failing)
    named = sorted(k for k, v in failing.items() if v <= set(rules))
    needs = _named_needs(problem, r, failing, rules)
    return Reason("+".join(rules), _sentence(problem, r, rules, where, named, needs), named,
                  needs)


def _named_needs(problem: Problem, r: Request, failing: dict[str, set[str]],
                 rules: tuple[str, ...]) -> list[str]:
    """The needs that "no place ... offers 'x'" names: those lacking at every place in reach
    that no other named rule keeps out, else every need lacking at one of them (no such place
    then offers them all). Raw strings, sorted; the app turns them into labels."""
    if "needs" not in rules:
        return []
    others = (set(rules) | {"distance"}) - {"needs"}
    lacking = [r.needs - problem.places[k].offers for k, v in failing.items()
               if "needs" in v and not v & others]
    common = frozenset.intersection(*lacking) if lacking else frozenset()
    return sorted(common or frozenset().union(*lacking) or r.needs)


# Rules whose sentence says "no place {where} <does this>", a claim about every place in reach
# (the others say "every place that fits ... <fails this>", true of the places named).
EVERY_PLACE = ("policy", "pets", "accessible", "needs", "max_stay")


def _every_place_breaks(failing: dict[str, set[str]], rules: set[str]) -> bool:
    """Every place breaks one of `rules`, or lies beyond the distance the sentence names."""
    return all(v & (rules | {"distance"}) for v in failing.values())


def _fewest_rules(failing: dict[str, set[str]]) -> tuple[str, ...]:
    """The fewest rules (the earliest in RULES on a tie) that every place breaks one of, and
    that are all some place breaks (so lifting them there lets the request in).

    The rule sets of all places together always qualify; at most 2**9 sets are tried.
    """
    kinds = {frozenset(v) for v in failing.values()}
    for size in range(1, len(RULES) + 1):
        for rules in combinations(RULES, size):
            chosen = set(rules)
            if all(v & (chosen | {"distance"}) for v in kinds) and any(
                    v <= chosen for v in kinds):
                return rules
    raise AssertionError("every place breaks some rule")  # pragma: no cover


def _sentence(problem: Problem, r: Request, rules: tuple[str, ...], where: str,
              places: list[str], needs: list[str] | None = None) -> str:
    if rules == ("distance",):
        nearest = min(miles(r.lat, r.lon, problem.places[k].lat, problem.places[k].lon)
                      for k in places)
        return f"no place that fits lies {where} (the nearest is {nearest:.0f} miles away)"
    if rules == ("excluded",):
        return f"every place that fits {where} is on the request's exclusion list"
    if rules == ("danger",):
        return f"every place that fits {where} lies inside a danger zone"
    verbs = {
        "distance": f"lies {where}",
        "excluded": "is off the request's exclusion list",
        "danger": "lies outside the danger zones",
        "policy": f"takes {_party(r)}",
        "pets": f"admits {_pets(r)}",
        "accessible": "is wheelchair accessible",
        "needs": _offers(needs or sorted(r.needs)),
        "max_stay": f"allows a stay of {r.nights} nights",
        "full": "has room on the nights of the stay",
    }
    phrase = " and ".join(verbs[x] for x in rules)
    both = "both " if len(rules) > 1 else ""
    if "distance" in rules:
        return f"no place {both}{phrase}"
    return f"no place {where} {both}{phrase}"


def _party(r: Request) -> str:
    if r.adults == 0:
        return "an unaccompanied minor" if r.persons == 1 else "unaccompanied minors"
    who = {"female": "a woman", "male": "a man", "nonbinary": "a nonbinary person"}[r.gender]
    if r.children:
        kids = "a child" if r.children == 1 else f"{r.children} children"
        return f"{who} with {kids}"
    return who if r.persons == 1 else f"{who} with {r.adults - 1} more adults"


def _offers(needs: list[str]) -> str:
    quoted = ", ".join(f"'{x}'" for x in needs)
    return f"offers {quoted}" if len(needs) == 1 else f"offers all of {quoted}"


def _pets(r: Request) -> str:
    return "a pet" if r.pets == 1 else f"{r.pets} pets"


# --- bridge stays (spec: Moves) -------------------------------------------------------------


def check_chain(problem: Problem, request_id: str, stays: Sequence[tuple[str, int, int]],
                plan: Plan | None = None) -> list[str]:
    """Every rule that placing the request as a chain of `stays` (place, check-in, nights)
    breaks, in plain words; empty when it fits. Each stay obeys every rule on its own, and
    beds, rooms, genders and points count the fixed stays, the plan's other stays (not the
    request's own) and the chain's earlier stays. One stay is `check_stay` with its nights."""
    r = problem.request_by_id.get(request_id)
    if r is None:
        return [f"there is no pending request {request_id}"]
    if not stays:
        return ["a placement has at least one stay"]
    stays = sorted(stays, key=lambda x: x[1])
    out = _chain_shape(problem, r, stays)
    usage = _usage(problem, plan, skip=request_id)
    index = problem.requests.index(r)
    for place_id, s, k in stays:
        place = problem.places.get(place_id)
        if place is None:
            out.append(f"there is no shelter or hotel {place_id}")
            continue
        out.extend(f"{place_id}: {w}" for w in place_refusals(r, place, k))
        if not 0 <= s < problem.nights or k < 1:
            out.append(f"{place_id}: a stay of {k} nights from night {s} is outside the plan")
            continue
        o = _option(problem, r, place, s, k)
        o.req = index
        out.extend(_blocked(problem, usage, o).words)
        usage.take(o)  # the chain's next stays see this one's points
    return out


def _chain_shape(problem: Problem, r: Request, stays: list[tuple[str, int, int]]) -> list[str]:
    """The rules of a chain as a whole: how many stays, its window, its nights, no gap, and
    no place twice."""
    out = []
    if len(stays) > r.max_moves + 1:
        out.append("the request may not move" if not r.max_moves else
                   f"{len(stays)} stays, but the request may move at most {r.max_moves} "
                   f"time{'s' if r.max_moves > 1 else ''}")
    start = stays[0][1]
    if not r.earliest <= start <= r.latest:
        out.append(f"check-in on {_night(problem, start)} is outside the request's window "
                   f"({_night(problem, r.earliest)} to {_night(problem, r.latest)})")
    total = sum(k for _, _, k in stays)
    if total != r.nights:
        out.append(f"the stays add up to {total} nights, the request needs {r.nights}")
    for (p1, s1, k1), (p2, s2, _) in zip(stays, stays[1:], strict=False):
        if s2 != s1 + k1:
            out.append(f"the stay at {p2} begins on {_night(problem, s2)}, not on "
                       f"{_night(problem, s1 + k1)} when the one at {p1} ends")
    twice = sorted({p for p, _, _ in stays if sum(q == p for q, _, _ in stays) > 1})
    out.extend(f"the chain uses {p} twice" for p in twice)
    return out


def describe_placement(problem: Problem, plan: Plan, request_id: str) -> str | None:
    """Where the plan puts the request, in words ("placed as a bridge: Airport Holiday
    Lodge for 2 nights, then Harbor House from Thu Dec 3"); None if it is unplaced."""
    stays = plan.chains.get(request_id)
    if not stays:
        return None
    if len(stays) == 1:
        a = stays[0]
        return (f"placed at {_name(problem, a.resource)} from {_day(problem, a.check_in)} "
                f"for {_nights(a.nights)}")
    words = [f"{_name(problem, stays[0].resource)} for {_nights(stays[0].nights)}"]
    for j, a in enumerate(stays[1:], start=1):
        more = "" if j == len(stays) - 1 else f" for {_nights(a.nights)}"
        words.append(f"{_name(problem, a.resource)} from {_day(problem, a.check_in)}{more}")
    return "placed as a bridge: " + ", then ".join(words)


# Reasons a chain of stays may overcome: full nights, and a stay too long for max_stay (a
# chain's stays obey every other place rule as a single stay does).
BRIDGEABLE = {"full", "full_alone", "taken", "max_stay"}


def _with_bridges(problem: Problem, r: Request, usage: Usage, reason: Reason) -> Reason:
    """A request that may move and no single stay takes: a chain of two stays that fits
    beside the plan makes it `fits` (or `costly`); else the sentence says none does."""
    chain = fitting_chain(problem, problem.requests.index(r), usage)
    if chain is None:
        return Reason(reason.kind, f"{reason.text}, and no bridge of two stays fits either",
                      reason.places, reason.needs)
    words = _chain_words(problem, r, chain)
    u = unplaced_units(r)
    if chain.cost >= u:
        return Reason("costly", f"the cheapest bridge that fits ({words}) would cost "
                      f"{chain.cost / 1000:,.3f}, no less than the {u / 1000:,.0f} of leaving "
                      "this request unplaced", [p.place for p in parts(chain)])
    return Reason("fits", f"a bridge fits now ({words}): run the planner again or place it "
                  "by hand", [p.place for p in parts(chain)])


def fitting_chain(problem: Problem, i: int, usage: Usage) -> Option | None:
    """The cheapest chain of two stays of request i that fits beside `usage`, or None."""
    from .chains import chain_option, segments  # only for requests that may move

    table = PlaceTable([*problem.shelters, *problem.hotels])
    index = {p.id: k for k, p in enumerate(table.places)}
    seg = segments(problem, usage.free, _fixed_genders(usage), i, table, index)
    r = problem.requests[i]
    best: Option | None = None
    for (s, t), g in seg.first.items():
        later = seg.later.get((t, s + r.nights))
        if later is None:
            continue
        firsts = sorted((int(c), k) for k, c in enumerate(g.cost))
        seconds = sorted((int(c), k) for k, c in enumerate(later.cost))
        for c1, x in firsts:
            if best is not None and c1 + seconds[0][0] >= best.cost:
                break
            for c2, y in seconds:
                if best is not None and c1 + c2 >= best.cost:
                    break
                o = chain_option(seg, ((s, t, x, True), (t, s + r.nights, y, False)),
                                 usage.left)
                if o is not None and o.place != o.tail[0].place and usage.fits(o):
                    best = o
                    break
    return best


def _fixed_genders(usage: Usage) -> dict[tuple[str, int], set[str]]:
    return {row: set(+c) for row, c in usage.genders.items() if +c}


def _chain_words(problem: Problem, r: Request, chain: Option) -> str:
    stays = parts(chain)
    ends = [p.check_in for p in stays[1:]] + [chain.check_in + r.nights]
    words = [f"{stays[0].place} for {_nights(ends[0] - stays[0].check_in)}"]
    words += [f"{p.place} from {_day(problem, p.check_in)}" for p in stays[1:]]
    return ", then ".join(words)


def _name(problem: Problem, place_id: str) -> str:
    place = problem.places.get(place_id)
    return place.name if place is not None and place.name else place_id


def _day(problem: Problem, n: int) -> str:
    d = problem.night_date(n)
    return f"{d:%a} {d:%b} {d.day}"


def _nights(k: int) -> str:
    return f"{k} night{'s' if k != 1 else ''}"


# --- capacity, genders, points --------------------------------------------------------------


def _option(problem: Problem, r: Request, place: Place, s: int,
            nights: int | None = None) -> Option:
    """A stay of `nights` (the request's own by default) at `place` from night s, priced as
    a whole stay (a chain's later stay is priced by `_chain_units`)."""
    last = min(problem.nights, s + (r.nights if nights is None else nights))
    d = miles(r.lat, r.lon, place.lat, place.lon)
    if isinstance(place, Hotel):
        amount = place.rooms_for(r.persons)
        pts = sum(amount * place.points[n] for n in range(s, last))
        cost = stay_units(r.delay_weight, s - r.earliest, pts, d)
        return Option(-1, place.id, s, cost, amount, s, last, pts, place.program, False)
    cost = stay_units(r.delay_weight, s - r.earliest, 0, d)
    return Option(-1, place.id, s, cost, r.persons, s, last, 0, None, place.same_gender)


def _usage(problem: Problem, plan: Plan | None, skip: str | None = None) -> Usage:
    free, genders = fixed_load(problem)
    opts = Options(problem, [], {k: [max(0, x) for x in v] for k, v in free.items()}, genders)
    usage = Usage(opts)
    if plan is None:
        return usage
    index = {r.id: i for i, r in enumerate(problem.requests)}
    for a in plan.assignments:
        r = problem.request_by_id.get(a.request)
        place = problem.places.get(a.resource)
        if a.request == skip or r is None or place is None or not 0 <= a.check_in < problem.nights:
            continue
        o = _option(problem, r, place, a.check_in, a.nights)  # a chain's stay: its own nights
        o.req = index[r.id]
        usage.take(o)
    return usage


@dataclass
class Block:
    """What keeps one stay out: its full nights, a gender clash, a points shortfall."""

    full: list[int] = field(default_factory=list)
    gender: int | None = None  # first night another gender is there
    points_left: int | None = None  # set when the program's points left cannot pay
    words: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.words)


def _blocked(problem: Problem, usage: Usage, o: Option) -> Block:
    """What keeps option `o` out beside the stays in `usage`."""
    block = Block()
    place = problem.places[o.place]
    unit = "beds" if isinstance(place, Shelter) else "rooms"
    block.full = [n for n in o.rows() if usage.free[o.place][n] < o.amount]
    if block.full:
        n = block.full[0]
        have = usage.free[o.place][n]
        unit = unit if have != 1 else unit[:-1]
        block.words.append(f"{o.place} has {have} {unit} free on "
                           f"{_night(problem, n)}, the party needs {o.amount}")
    if o.gender_row:
        g = problem.requests[o.req].gender
        for n in o.rows():
            there = +usage.genders.get((o.place, n), Counter())
            if there and (len(there) > 1 or g not in there):
                block.gender = n
                block.words.append(f"{o.place} houses {' and '.join(sorted(there))} guests on "
                                   f"{_night(problem, n)} (one gender per night)")
                break
    if o.program is not None and usage.left[o.program] < o.points:
        block.points_left = usage.left[o.program]
        block.words.append(f"the {_program(o.program)} points left ({usage.left[o.program]:,}) "
                           f"cannot pay for {o.last - o.first} nights ({o.points:,} needed)")
    return block


def _summary(problem: Problem, blocked: list[tuple[Option, Block]]) -> str:
    """One sentence for a request whose every fitting stay is blocked."""
    by_kind: dict[str, list[tuple[Option, Block]]] = defaultdict(list)
    for o, why in blocked:
        key = "" if o.program is None else o.program  # shelters sort first
        by_kind[key].append((o, why))
    if len(by_kind) > 1:
        common = _common_full_night(blocked)
        if common is not None:
            return f"every fitting shelter and hotel is full on {_night(problem, common)}"
    parts = []
    for key in sorted(by_kind):
        group = by_kind[key]
        parts.append(_shelter_part(problem, group) if key == ""
                     else _hotel_part(problem, key, group))
    return " and ".join(parts)


def _shelter_part(problem: Problem, group: list[tuple[Option, Block]]) -> str:
    if all(why.gender is not None and not why.full for _, why in group):
        return "every fitting shelter houses another gender on a night of the stay"
    common = _common_full_night(group)
    if common is not None:
        return f"every fitting shelter is full on {_night(problem, common)}"
    return ("every fitting shelter is full (or houses another gender) on some night of each "
            f"possible stay ({group[0][1].words[0]})")


def _hotel_part(problem: Problem, program: str, group: list[tuple[Option, Block]]) -> str:
    name = _program(program)
    if all(why.points_left is not None for _, why in group):
        cheapest = min(group, key=lambda g: g[0].points)[0]
        left = group[0][1].points_left or 0
        nights = cheapest.last - cheapest.first
        return (f"the {name} points left ({left:,}) cannot pay for {nights} "
                f"night{'s' if nights != 1 else ''} (the cheapest fitting {name} stay needs "
                f"{cheapest.points:,})")
    common = _common_full_night(group)
    if common is not None:
        return f"every fitting {name} hotel is full on {_night(problem, common)}"
    return (f"every fitting {name} hotel is full or out of points on each possible stay "
            f"({group[0][1].words[0]})")


def _common_full_night(group: list[tuple[Option, Block]]) -> int | None:
    nights: set[int] | None = None
    for _, why in group:
        full = set(why.full)
        nights = full if nights is None else nights & full
    return min(nights) if nights else None


def _night(problem: Problem, n: int) -> str:
    d = problem.night_date(n)
    return f"the night of {d:%b} {d.day}"


def _program(program: str) -> str:
    names = {"ihg": "IHG", "marriott": "Marriott", "wyndham": "Wyndham", "choice": "Choice"}
    return names.get(program.lower(), program)


def _describe(problem: Problem, o: Option) -> str:
    return f"{o.place} from {_night(problem, o.check_in)}"
