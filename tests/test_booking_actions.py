"""The buttons of a stay, checked against the transition table: every coordinator's
transition has one entry (its form and its service call), the stay's page renders exactly the
buttons its state allows, and posting any action from any state either moves the stay as the
table says or answers with a refusal, never a 500."""

import inspect
from datetime import date, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.actions import ACTIONS, Context
from placement.bookings.models import Booking
from placement.bookings.states import TRANSITIONS, BookingState, actions_from, can, target_of
from placement.extensions import db

S = BookingState
BUTTONS = [name for name, t in TRANSITIONS.items() if t.button]
# What a coordinator types into an empty field.
TYPED = {"reason": "Wrong dates", "confirmation": "HX-1", "nights": "1",
         "reason_code": "criteria", "note": "Stairs only"}
# Each form with fields (at a shelter), filled in as its page leaves it once typed into.
FILLED = {"reject": {"reason": "Wrong dates"},
          "cancel": {"reason": "Wrong dates", "then": "queue", "avoid_place": "y"},
          "confirm": {"confirmation": "HX-1"}, "extend": {"nights": "1"},
          "decline": {"reason_code": "criteria", "note": "Stairs only"}}
# ...and left empty: the form's own sentence.
LEFT_EMPTY = {"reject": "Say why (a short reason is enough).",
              "cancel": "Say why (a short reason is enough).",
              "confirm": "This field is required.", "extend": "Extend by 1 to 30 nights.",
              "decline": "Choose why the place said no."}


# -- the registry against the table (no database) -----------------------------------------

def test_every_button_of_the_table_has_one_entry_and_nothing_else_does():
    assert list(ACTIONS) == BUTTONS
    assert [name for name, t in TRANSITIONS.items() if not t.button] == ["withdraw", "accept"]
    for name, action in ACTIONS.items():
        assert action.transition is TRANSITIONS[name] and action.label == TRANSITIONS[name].label


class Probe:
    """A stand-in for a valid form: it answers only for the names its form class has."""

    def __init__(self, form_class):
        self.form_class = form_class

    def __getattr__(self, name):
        assert hasattr(self.form_class, name), f"{self.form_class.__name__} has no {name}"
        return SimpleNamespace(data=f"<{name}>")


@pytest.mark.parametrize("name", BUTTONS)
def test_each_entry_calls_its_service_function_with_arguments_it_takes(name):
    action = ACTIONS[name]
    assert action.call is getattr(service, name)
    arguments = action.arguments(Probe(action.form), Context(date(2026, 12, 1), lambda b: []))
    inspect.signature(action.call).bind("session", "booking", 1, **arguments)


# -- every action from every state, in pages ----------------------------------------------

class Forms(HTMLParser):
    """The POST forms of a page: their action, inputs and button."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.forms.append({"action": attrs["action"], "inputs": [], "button": ""})
        elif self.forms and tag == "input":
            self.forms[-1]["inputs"].append(attrs)
        elif self.forms and tag == "button":
            self.forms[-1]["in_button"] = True

    def handle_data(self, data):
        if self.forms and self.forms[-1].pop("in_button", False):
            self.forms[-1]["button"] = data.strip()


def filled_in(form: dict) -> dict[str, str]:
    """What the browser posts once the coordinator typed into each empty field."""
    data = {}
    for field in form["inputs"]:
        name, kind = field["name"], field.get("type", "text")
        if kind in ("radio", "checkbox"):
            if "checked" in field:
                data[name] = field["value"] if kind == "radio" else "y"
            elif kind == "radio" and name not in data:  # none chosen yet: the person picks
                data[name] = TYPED[name]
        else:
            data[name] = field.get("value") or TYPED[name]
    return data


def ways_to(state: BookingState) -> list[str]:
    """The shortest run of buttons from a proposal to `state`, read from the table."""
    paths = {S.PROPOSED: []}
    frontier = [S.PROPOSED]
    while frontier:
        source = frontier.pop(0)
        for name in (n for n in actions_from(source) if TRANSITIONS[n].button):
            target = target_of(name, source)
            if target not in paths:
                paths[target] = [*paths[source], name]
                frontier.append(target)
    return paths[state]


@pytest.fixture
def stay_in(app, create_shelter, create_booking, make_user):
    """`stay_in(state)`: a stay at one shelter, of its own request, brought to `state`
    through the service, button after button, as a coordinator would."""
    coordinator = make_user(Role.COORDINATOR)
    shelter = create_shelter(capacity=50)
    check_in = date.today() + timedelta(days=2)  # ahead of "today" in every time zone
    arguments = {"approve": (date.today(),), "reject": ("Too far",),
                 "confirm": ("HX-1", None, date.today()), "check_out": (date.today(),),
                 "cancel": ("Wrong dates",), "decline": ("criteria",)}

    def make(state: BookingState) -> Booking:
        booking = create_booking(shelter, check_in=check_in)
        for name in ways_to(state):
            getattr(service, name)(db.session, booking, coordinator.id,
                                   *arguments.get(name, ()))
        assert booking.state is state
        return booking

    make.coordinator = coordinator
    return make


def flashed(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def action_of(form: dict) -> str:
    return form["action"].rsplit("/", 1)[1]


# Production runs on PostgreSQL, the stricter of the two; the dispatch is one code path on
# both, and the service's own tests run on both.
@pytest.mark.parametrize("backend", ["postgresql"])
def test_every_action_from_every_state_in_pages(stay_in, login, create_booking, create_hotel,
                                                make_lot):
    # Per state: a stay to show, and refuse everything else to; one to move per button.
    stays = {state: (stay_in(state), {name: stay_in(state) for name in actions_from(state)
                                      if name in ACTIONS}) for state in BookingState}
    db.session.commit()
    client = login(stay_in.coordinator)
    # The plan page's own compact forms for a proposal post what the registry reads.
    shown = stays[S.PROPOSED][0]
    on_plan = {action_of(f): f for f in Forms(client.get("/plan").text).forms
               if f["action"].startswith(f"/bookings/{shown.id}/")}
    assert list(on_plan) == ["approve", "reject"]
    for name, form in on_plan.items():
        assert {i["name"] for i in form["inputs"]} - {"next", "csrf_token"} == set(
            FILLED.get(name, {}))

    for state, (shown, movers) in stays.items():
        page = f"/bookings/{shown.id}"
        forms = [f for f in Forms(client.get(page).text).forms
                 if f["action"].startswith(page + "/")]
        assert [action_of(f) for f in forms] == list(movers), state
        assert [f["button"] for f in forms] == [TRANSITIONS[name].label for name in movers]
        rendered = {action_of(f): f for f in forms}
        for name, form in rendered.items():
            assert {i["name"] for i in form["inputs"]} - {"next", "csrf_token"} == set(
                FILLED.get(name, {})), (state, name)

        for name, transition in ((n, TRANSITIONS[n]) for n in BUTTONS):
            booking = movers.get(name, shown)
            url = f"/bookings/{booking.id}/{name}"
            if name in LEFT_EMPTY:  # the form's own sentence, whatever the state; no move
                assert client.post(url, data={}).status_code == 303
                assert flashed(client) == [("danger", LEFT_EMPTY[name])], (state, name)
            data = filled_in(rendered[name]) if name in rendered else FILLED.get(name, {})
            response = client.post(url, data=data)
            assert response.status_code == 303, (state, name, response.status_code)
            assert response.headers["Location"] == data.get("next", url.rsplit("/", 1)[0])
            db.session.expire_all()
            now = db.session.get(Booking, booking.id)
            [(category, message)] = flashed(client)
            if can(name, state):
                assert (category, now.state) == ("success", target_of(name, state)), message
                done = transition.done + ("; the request is back in the queue"
                                          if transition.releases else "")
                assert message == (f"Stay for {now.request.case_code} at {now.place.name}: "
                                   f"{done}.")
            else:
                assert (category, now.state) == ("danger", state), (name, message)
                assert message == (f"This booking is {state.label.lower()}; it cannot be "
                                   f"{transition.done} now.")
        assert db.session.get(Booking, shown.id).state is state
        assert client.post(f"{page}/withdraw").status_code == 404  # the app's own

    # At a hotel, confirming asks for the points actually charged too (a shelter's did not).
    make_lot(1_000_000, program="ihg")
    hotel_stay = create_booking(create_hotel(), check_in=date.today() + timedelta(days=2))
    service.approve(db.session, hotel_stay, stay_in.coordinator.id, date.today())
    page = client.get(f"/bookings/{hotel_stay.id}").text
    assert 'name="points_charged"' in page and "the hold follows what was charged" in page
