"""Forms for the coordinator's place pages and the staff report page."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from partners.availability import MAX_RANGE_NIGHTS
from partners.geo import Location, LocationNotFound, locate
from partners.needs import Need
from partners.places import Policy

from ..web import DateField

POLICY_CHOICES = [SelectChoice(p.value, p.label) for p in Policy]
LOCATION_HELP = "A 5-digit ZIP code (20001) or a city and state (Houston, TX)."


# What the placement card reads to the caller (placement/bookings/card.py).
INSTRUCTIONS = "How the person is met (read to the caller)"


class LocatedForm(FlaskForm):
    location = StringField("Location", validators=[DataRequired(), Length(max=120)])
    located: Location | None = None

    def validate_location(self, field) -> None:
        try:
            self.located = locate(field.data)
        except LocationNotFound as error:
            raise ValidationError(str(error)) from None


class OffersField(SelectMultipleField):
    """The needs a place offers, one checkbox each; takes the place's own needs (an edit)
    or codes (a new place's defaults)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_data(self, value) -> None:
        super().process_data([getattr(need, "code", need) for need in value or ()])


class PlaceForm(LocatedForm):
    offers = OffersField("What it offers", invalid_choice_message=(
        "'%(value)s' is not among the needs this place may offer."))
    needs: dict[str, Need]

    def offering(self, needs: list[Need]) -> "PlaceForm":
        """The needs this form offers to tick (see places/offers.py: offer_choices)."""
        self.needs = {need.code: need for need in needs}
        self.offers.choices = [(need.code, need.label) for need in needs]
        return self

    def apply_offers(self, place) -> None:
        chosen = {self.needs[code] for code in self.offers.data or ()}
        if chosen != place.offers:  # an unchanged set is no edit on the audit log
            place.offers = chosen


class ShelterForm(PlaceForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    policy = SelectField("Who it takes", choices=POLICY_CHOICES, validators=[DataRequired()])
    accepts_nonbinary = BooleanField("Takes nonbinary guests")
    same_gender = BooleanField("Same-gender rooms only")
    pets = BooleanField("Pets allowed (service animals are always admitted)")
    accessible = BooleanField("Wheelchair accessible")
    max_stay = IntegerField("Maximum stay (nights)", validators=[Optional(),
                            NumberRange(min=1, max=3650)])
    capacity = IntegerField("Beds on a normal night", validators=[InputRequired(),
                            NumberRange(min=0, max=10000)])
    address = StringField("Address (coordinators only)", validators=[Optional(), Length(max=300)])
    intake_contact = StringField("Intake phone", validators=[Optional(), Length(max=300)])
    intake_instructions = TextAreaField(INSTRUCTIONS, validators=[Optional(), Length(max=500)])
    hold_hours = IntegerField("Hours the shelter has to say yes or no", validators=[
        Optional(), NumberRange(min=1, max=168)])
    confidential = BooleanField("Confidential location")
    active = BooleanField("Taking placements")
    submit = SubmitField("Save shelter")

    FIELDS = ("name", "accepts_nonbinary", "same_gender", "pets", "accessible", "max_stay",
              "capacity", "address", "intake_contact", "intake_instructions", "hold_hours",
              "confidential", "active")

    def apply_to(self, shelter) -> None:
        for name in self.FIELDS:
            value = getattr(self, name).data
            setattr(shelter, name, value.strip() or None if isinstance(value, str) else value)
        shelter.name = self.name.data.strip()
        shelter.policy = Policy(self.policy.data)
        shelter.move_to(self.located)
        self.apply_offers(shelter)


class HotelForm(PlaceForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    program_id = SelectField("Loyalty program", coerce=int, validators=[DataRequired()])
    room_capacity = IntegerField("Persons per room", validators=[InputRequired(),
                                 NumberRange(min=1, max=20)])
    pets = BooleanField("Pets allowed")
    accessible = BooleanField("Wheelchair-accessible rooms")
    rooms_per_night = IntegerField("Rooms a night we may book", validators=[InputRequired(),
                                   NumberRange(min=0, max=500)])
    standard_points = IntegerField("Points per room-night (standard)", validators=[
        InputRequired(), NumberRange(min=0, max=1_000_000)])
    address = StringField("Street address", validators=[Optional(), Length(max=300)])
    intake_contact = StringField("Front desk phone", validators=[Optional(), Length(max=300)])
    intake_instructions = TextAreaField(INSTRUCTIONS, validators=[Optional(), Length(max=500)])
    active = BooleanField("Taking placements")
    submit = SubmitField("Save hotel")

    FIELDS = ("room_capacity", "pets", "accessible", "rooms_per_night", "standard_points",
              "address", "intake_contact", "intake_instructions", "active", "program_id")

    def apply_to(self, hotel) -> None:
        for name in self.FIELDS:
            value = getattr(self, name).data
            setattr(hotel, name, value.strip() or None if isinstance(value, str) else value)
        hotel.name = self.name.data.strip()
        hotel.move_to(self.located)
        self.apply_offers(hotel)


class RangeForm(FlaskForm):
    first = DateField("First night", validators=[InputRequired(message="Pick the first night.")])
    last = DateField("Last night", validators=[InputRequired(message="Pick the last night.")])

    def validate_last(self, field) -> None:
        if self.first.data and field.data:
            if field.data < self.first.data:
                raise ValidationError("The last night comes before the first.")
            if (field.data - self.first.data).days >= MAX_RANGE_NIGHTS:
                raise ValidationError(f"Choose at most {MAX_RANGE_NIGHTS} nights at a time.")


class ShelterNightsForm(RangeForm):
    what = SelectField("Set", choices=[
        SelectChoice("capacity", "Capacity (beds that night)"),
        SelectChoice("out_of_service", "Beds out of service"),
        SelectChoice("standard", "Back to the standard capacity"),
    ], validators=[DataRequired()])
    beds = IntegerField("Beds", validators=[Optional(), NumberRange(min=0, max=10000)])
    submit = SubmitField("Apply to these nights")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.what.data != "standard" and self.beds.data is None and not self.beds.errors:
            self.beds.errors.append("How many beds?")
            return False
        return valid


class HotelNightsForm(RangeForm):
    points = IntegerField("Points per room-night", validators=[
        Optional(), NumberRange(min=0, max=1_000_000)])
    rooms = IntegerField("Rooms we may book", validators=[Optional(),
                         NumberRange(min=0, max=500)])
    submit = SubmitField("Apply to these nights")


class FreeBedsForm(FlaskForm):
    free_beds = IntegerField("Free beds tonight", validators=[
        InputRequired(message="How many beds are free tonight?"), NumberRange(min=0, max=10000)])
    submit = SubmitField("Update")


class ProgramForm(FlaskForm):
    inactivity_months = IntegerField("Points lapse after this many months without activity",
                                     validators=[InputRequired(), NumberRange(min=1, max=240)])
    max_age_months = IntegerField("…and in any case this many months after they were earned",
                                  validators=[Optional(), NumberRange(min=1, max=240)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Save rule")


class NewProgramForm(ProgramForm):
    code = StringField("Short code", validators=[
        DataRequired(), Length(max=20),
        Regexp(r"^[a-z0-9_-]+$", message="Lower-case letters, digits, - or _ (e.g. ihg)."),
    ])
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Add program")


class UploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired(message="Choose a CSV file.")])
    submit = SubmitField("Import")
