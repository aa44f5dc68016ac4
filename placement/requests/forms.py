"""The crisis request form: under a minute on a call, nothing that identifies anyone."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
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

from partners.geo import LocationNotFound, locate

from ..reason_form import CodedReasonForm
from ..reasons import END_REASONS
from ..web import DateField
from .models import Gender, Priority
from .service import local_today, window_errors

PRIORITY_CHOICES = [
    SelectChoice(Priority.CRITICAL.value, "Critical: tonight"),
    SelectChoice(Priority.HIGH.value, "High: within 24 hours"),
    SelectChoice(Priority.NORMAL.value, "Normal"),
]
GENDER_CHOICES = [
    SelectChoice(Gender.FEMALE.value, "Female"),
    SelectChoice(Gender.MALE.value, "Male"),
    SelectChoice(Gender.NONBINARY.value, "Nonbinary"),
]
MAX_DANGER_ZONES = 3


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


class RequestForm(FlaskForm):
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="critical",
                           validators=[InputRequired()])
    adults = IntegerField("Adults", default=1, validators=[InputRequired(),
                                                          NumberRange(min=0, max=20)])
    children = IntegerField("Children", default=0, validators=[InputRequired(),
                                                              NumberRange(min=0, max=20)])
    gender = SelectField("Gender of the party", choices=GENDER_CHOICES,
                         validators=[InputRequired()])
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
    note = TextAreaField("Note for coordinators", validators=[Optional(), Length(max=2000)])
    # Shown once the form was sent back because it may repeat one of the advocate's own.
    file_anyway = BooleanField("This is a different person: file the request anyway")
    submit = SubmitField("File request")

    def validate_adults(self, field) -> None:
        if (field.data or 0) + (self.children.data or 0) < 1:
            raise ValidationError("A party has at least one person.")

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


class EditRequestForm(FlaskForm):
    """What an advocate may change on a pending request without filing it again: when the
    person can arrive, for how long, and where they must stay away from."""

    earliest = DateField("Arrive no earlier than", validators=[InputRequired()])
    latest = DateField("Arrive no later than", validators=[InputRequired()])
    nights = IntegerField("Nights", validators=[InputRequired(), NumberRange(min=1, max=30)])
    danger_zones = FieldList(FormField(DangerZoneForm), min_entries=MAX_DANGER_ZONES,
                             max_entries=MAX_DANGER_ZONES)
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
