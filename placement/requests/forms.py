"""The crisis request form: under a minute on a call, nothing that identifies anyone."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from partners.geo import LocationNotFound, locate
from partners.needs import Need

from ..reason_form import CodedReasonForm
from ..reasons import END_REASONS
from ..web import DateField
from .models import (
    AgeBand,
    ContactChannel,
    NoMoveReason,
    PersonGender,
    Priority,
    TraffickingType,
)
from .party import DERIVED_RULES, MAX_PEOPLE, PartyError, Person, person_error, tally
from .service import local_today, window_errors

PRIORITY_CHOICES = [
    SelectChoice(Priority.CRITICAL.value, "Critical: tonight"),
    SelectChoice(Priority.HIGH.value, "High: within 24 hours"),
    SelectChoice(Priority.NORMAL.value, "Normal"),
]
# The ages an advocate gives (AgeBand.ADULT and MINOR are for requests from before).
AGE_CHOICES = [
    SelectChoice("", "Choose…"),
    SelectChoice(AgeBand.ADULT_25.value, "Adult 25+"),
    SelectChoice(AgeBand.ADULT_21.value, "Adult 21-24"),
    SelectChoice(AgeBand.ADULT_18.value, "Adult 18-20"),
    SelectChoice(AgeBand.TEEN.value, "Teen 13-17"),
    SelectChoice(AgeBand.CHILD.value, "Child under 13"),
]
GENDER_CHOICES = [
    SelectChoice("", "Choose…"),
    SelectChoice(PersonGender.FEMALE.value, "Female"),
    SelectChoice(PersonGender.MALE.value, "Male"),
    SelectChoice(PersonGender.NONBINARY.value, "Nonbinary"),
    SelectChoice(PersonGender.UNKNOWN.value, "Not known"),
]
MAX_DANGER_ZONES = 3
NOT_RECORDED = SelectChoice("", "Not recorded")


def trafficking_field() -> SelectField:
    """Asked when it can be, never required: "Not recorded" is a valid answer."""
    return SelectField("Type of trafficking", default="", choices=[
        NOT_RECORDED, *(SelectChoice(t.value, t.label) for t in TraffickingType)],
        invalid_choice_message="Choose a type of trafficking from the list, or “Not recorded”.")


def channel_field() -> SelectField:
    return SelectField("How the hotline was reached", default="", choices=[
        NOT_RECORDED, *(SelectChoice(c.value, c.label) for c in ContactChannel)],
        invalid_choice_message="Choose how the hotline was reached from the list, or “Not "
                               "recorded”.")


def coded(field, codes: type[TraffickingType] | type[ContactChannel]):
    """A valid optional choice as its code (None: not recorded)."""
    return codes(field.data) if field.data else None
# Bridge stays (issue 21): the advocate's answer, as one choice: the person may move, or
# must not be moved and why (HousingRequest.may_move, no_move_reason).
MAY_MOVE = "may"


def moves_field() -> RadioField:
    return RadioField("Moving between places", default=MAY_MOVE, choices=[
        SelectChoice(MAY_MOVE, "May move once if that gets them in sooner"),
        *(SelectChoice(reason.value, f"Must not be moved: {reason.label[0].lower()}"
                       f"{reason.label[1:]}") for reason in NoMoveReason)],
        invalid_choice_message="Choose whether the person may move from the list.")


def moves_answer(field) -> tuple[bool, NoMoveReason | None]:
    """A valid moves field as (may move, why not)."""
    return (True, None) if field.data == MAY_MOVE else (False, NoMoveReason(field.data))


class MovesForm(FlaskForm):
    """A coordinator's choice for one request: the default for its priority, or allowed,
    or not (the advocate's "must not be moved" stands above either)."""

    moves = SelectField("Moves for this request", default="default", choices=[
        SelectChoice("default", "The default for its priority"),
        SelectChoice("allow", "Allowed: may move once"),
        SelectChoice("never", "Not allowed")],
        invalid_choice_message="Choose the default, allowed or not allowed.")
    submit = SubmitField("Save")

    CHOSEN = {"default": None, "allow": True, "never": False}

    @property
    def chosen(self) -> bool | None:
        return self.CHOSEN[self.moves.data]


# Rows the form shows without JavaScript (request-form.js adds and removes them).
PEOPLE_ROWS = 6


def a_location(_form, field) -> None:
    if field.data and field.data.strip():
        try:
            field.location = locate(field.data)
        except LocationNotFound as error:
            raise ValidationError(str(error)) from None


class DangerZoneForm(FlaskForm):
    class Meta:
        csrf = False  # part of the request form, which carries the token

    where = StringField("Area to avoid (ZIP or City, ST)", validators=[Optional(), a_location])
    miles = IntegerField("Radius in miles", default=25,
                         validators=[Optional(), NumberRange(min=1, max=500)])


class PersonForm(FlaskForm):
    """One person of the party, never a name. A row with no age is no one (left empty)."""

    class Meta:
        csrf = False  # part of the request form, which carries the token

    age_band = SelectField("Age", choices=AGE_CHOICES, default="")
    gender = SelectField("Gender", choices=GENDER_CHOICES, default="")

    def validate_gender(self, field) -> None:
        if not self.age_band.data:
            return
        if not field.data:
            raise ValidationError("Choose a gender (or “Not known” for a child under 13).")
        try:
            error = person_error(AgeBand(self.age_band.data), PersonGender(field.data))
        except ValueError:
            return  # not a choice of the list: the field's own check says so
        if error:
            raise ValidationError(error)


class NeedsChecklist(SelectMultipleField):
    """Needs as checkboxes; takes Need rows (a request's own) or codes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_data(self, value) -> None:
        super().process_data([getattr(need, "code", need) for need in value or ()])


def needs_field() -> NeedsChecklist:
    return NeedsChecklist("What the place must offer", invalid_choice_message=(
        "'%(value)s' is not a need that can be chosen here."))


def not_needed_field() -> NeedsChecklist:
    return NeedsChecklist("Not needed for this party", invalid_choice_message=(
        "'%(value)s' does not follow from the party."))


class NeedsForm(FlaskForm):
    """A form with the needs an advocate ticks (`needs`) and those that follow from the
    party which the advocate says it does not need after all (`not_needed`)."""

    def offering(self, needs: list[Need]) -> "NeedsForm":
        """The needs to tick: those that follow from the party are never ticked by hand
        (party.DERIVED_RULES); they are added unless marked not needed."""
        self.needs.choices = [(n.code, n.label) for n in needs if n.code not in DERIVED_RULES]
        self.not_needed.choices = [(n.code, n.label) for n in needs if n.code in DERIVED_RULES]
        return self


class RequestForm(NeedsForm):
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="critical",
                           validators=[InputRequired()])
    people = FieldList(FormField(PersonForm), min_entries=PEOPLE_ROWS, max_entries=MAX_PEOPLE,
                       default=[Person(AgeBand.ADULT_25, PersonGender.FEMALE)])
    pets = IntegerField("Animals", default=0, validators=[InputRequired(),
                                                         NumberRange(min=0, max=10)])
    service_animal = BooleanField("The animals are service animals")
    accessible = BooleanField("Needs wheelchair access")
    where = StringField("Where the person is now (ZIP or City, ST)",
                        validators=[InputRequired(), Length(max=120), a_location])
    max_miles = IntegerField("How far they can travel (miles)", default=30,
                             validators=[Optional(), NumberRange(min=1, max=3000)])
    danger_zones = FieldList(FormField(DangerZoneForm), min_entries=MAX_DANGER_ZONES,
                             max_entries=MAX_DANGER_ZONES)
    # Keys like "shelter:12", chosen with the place picker; the view checks they exist.
    exclude = SelectMultipleField("Places this person must not go", coerce=str,
                                  validate_choice=False, validators=[Optional()])
    # "1" while the dates are the ones the priority filled in: the server then recomputes
    # them from the local date where the person is, which the browser does not know.
    window_auto = HiddenField(default="1")
    earliest = DateField("Arrive no earlier than", validators=[Optional()])
    latest = DateField("Arrive no later than", validators=[Optional()])
    nights = IntegerField("Nights", default=3, validators=[InputRequired(),
                                                          NumberRange(min=1, max=30)])
    moves = moves_field()
    needs = needs_field()
    not_needed = not_needed_field()
    note = TextAreaField("Note for coordinators", validators=[Optional(), Length(max=2000)])
    trafficking_type = trafficking_field()
    contact_channel = channel_field()
    # Shown once the form was sent back because it may repeat one of the advocate's own.
    file_anyway = BooleanField("This is a different person: file the request anyway")
    submit = SubmitField("File request")

    def party(self) -> list[Person]:
        """The people given so far, in order; rows left empty, or with an age or gender
        the form does not know, are no one."""
        people = []
        for row in self.people:
            try:
                people.append(Person(AgeBand(row.age_band.data), PersonGender(row.gender.data)))
            except ValueError:
                continue
        return people

    def validate(self, extra_validators=None) -> bool:
        """Each row checks itself; the party as a whole must be one the planner can house
        (at least one person, a known gender), said on the first row."""
        valid = super().validate(extra_validators)
        if not valid and any(row.errors for row in self.people):
            return False
        try:
            tally(self.party())
        except PartyError as error:
            first = self.people[0]
            field = first.age_band if not self.party() else first.gender
            field.errors = [*field.errors, str(error)]
            return False
        return valid

    def _window_error(self, name: str) -> str | None:
        """The service's own check (file_request repeats it), here to show each error by its
        field. Dates the priority filled in are recomputed at filing, so they pass."""
        location = getattr(self.where, "location", None)
        if self.window_auto.data == "1" or location is None:
            return None
        today = local_today(location.timezone)
        return window_errors(self.earliest.data, self.latest.data, today).get(name)

    def validate_earliest(self, field) -> None:
        if error := self._window_error("earliest"):
            raise ValidationError(error)

    def validate_latest(self, field) -> None:
        if field.data and self.earliest.data and field.data < self.earliest.data:
            raise ValidationError("The latest arrival comes before the earliest.")
        if error := self._window_error("latest"):
            raise ValidationError(error)


class EditRequestForm(NeedsForm):
    """What an advocate may change on a pending request without filing it again: when the
    person can arrive, for how long, whether they may move, where they must stay away from,
    and what they need."""

    earliest = DateField("Arrive no earlier than", validators=[InputRequired()])
    latest = DateField("Arrive no later than", validators=[InputRequired()])
    nights = IntegerField("Nights", validators=[InputRequired(), NumberRange(min=1, max=30)])
    danger_zones = FieldList(FormField(DangerZoneForm), min_entries=MAX_DANGER_ZONES,
                             max_entries=MAX_DANGER_ZONES)
    moves = moves_field()
    needs = needs_field()
    not_needed = not_needed_field()
    trafficking_type = trafficking_field()
    contact_channel = channel_field()
    submit = SubmitField("Save changes")

    def check_window(self, today: date) -> bool:
        """The same window rules as filing, in the person's own today; errors by field."""
        errors = window_errors(self.earliest.data, self.latest.data, today)
        for name, error in errors.items():
            getattr(self, name).errors.append(error)
        return not errors


class EndRequestForm(CodedReasonForm):
    """The advocate who filed it (withdraw) or a coordinator (close) says no place is
    needed any more, and why."""

    REASONS = END_REASONS
    SAY_WHY = "Say why no place is needed any more."
