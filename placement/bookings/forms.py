"""The forms of the stay pages. A booking action's form (`ActionForm`, one per button in
placement/bookings/actions.py) says which fields it shows for a stay and, when a post is
refused, the one sentence the coordinator is told."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..reason_form import CodedReasonForm
from ..reasons import DECLINE_REASONS
from ..web import DateField
from .service import NeedOverride

SAY_WHY = "Say why (a short reason is enough)."
NOT_FILLED_IN = ("CSRFTokenField", "SubmitField", "HiddenField")


def _reason(help_text: str = "") -> StringField:
    return StringField("Reason", description=help_text,
                       validators=[DataRequired(message="Say why."), Length(max=300)])


class ActionForm(FlaskForm):
    """The form a booking action posts. Its fields' descriptions are their help texts."""

    def fields_for(self, booking) -> list[Field]:
        """The fields a coordinator fills in for this stay (the token and button aside)."""
        return [field for field in self if field.type not in NOT_FILLED_IN]

    def refusal(self) -> str:
        """Why the post was refused, in one sentence (after `validate` said no)."""
        return " ".join(error for errors in self.errors.values() for error in errors)


class ButtonForm(ActionForm):
    """Nothing to fill in: a button whose POST carries the CSRF token."""


class RejectForm(ActionForm):
    reason = _reason("The planner will not propose this place for this request again, on any "
                     "date, until a coordinator undoes it on the request's page.")

    def refusal(self) -> str:
        return SAY_WHY


class DeclineForm(CodedReasonForm, ActionForm):
    """The place said no (the staff link's form, and a coordinator's for a hotel's or a
    shelter's no by phone)."""

    REASONS = DECLINE_REASONS
    SAY_WHY = "Say why the place said no."

    def refusal(self) -> str:
        if self.reason_code.errors:
            return "Choose why the place said no."
        return super().refusal()


class CancelForm(ActionForm):
    """Cancelling a stay says what the request needs now."""

    reason = _reason()
    then = RadioField("Then", default="queue", validate_choice=True, choices=[
        SelectChoice("queue", "Back to the queue: find another place"),
        SelectChoice("close", "Close the request: no place is needed any more"),
    ])
    avoid_place = BooleanField(
        "Do not propose this place again", default=True,
        description="When the request goes back to the queue. Undo it on the request's page.")

    @property
    def close(self) -> bool:
        return self.then.data == "close"

    def refusal(self) -> str:
        if self.reason.errors:
            return SAY_WHY
        return "Choose whether the request goes back to the queue or is closed."


class ConfirmForm(ActionForm):
    confirmation = StringField("Confirmation number or shelter contact",
                               validators=[DataRequired(), Length(max=100)])
    points_charged = IntegerField(
        "Points actually charged (hotels)",
        description="Award nights can be cheaper or free; the hold follows what was charged.",
        validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    submit = SubmitField("Confirm")

    def fields_for(self, booking) -> list[Field]:
        fields = super().fields_for(booking)
        return fields if booking.is_hotel else [f for f in fields if f is not self.points_charged]


class ExtendForm(ActionForm):
    nights = IntegerField("Extra nights", default=1,
                          validators=[InputRequired(), NumberRange(min=1, max=30)])
    submit = SubmitField("Extend")

    def refusal(self) -> str:
        return "Extend by 1 to 30 nights."


class ManualPlacementForm(FlaskForm):
    # A key like "shelter:12", chosen with the place picker (placement/places/picker.py).
    place = StringField("Place", validators=[DataRequired(message="Choose a place."),
                                             Length(max=40)])
    check_in = DateField("Check-in night", validators=[DataRequired()])
    nights = IntegerField("Nights", validators=[InputRequired(), NumberRange(min=1, max=60)])
    # The needs the chosen place was found to lack (codes, ";"-separated), carried from the
    # refusal that named them to the submit that overrides them.
    override_needs = HiddenField(validators=[Length(max=300)])
    override = BooleanField("Override these needs and place here anyway")
    override_reason = StringField(
        "Why this place is right anyway", validators=[Length(max=300)],
        description="Kept on the stay for coordinators, e.g. who you spoke to at the place.")
    submit = SubmitField("Check and approve")

    def validate_override_reason(self, field: Field) -> None:
        if self.override.data and not (field.data or "").strip():
            raise ValidationError("Say why the stay may go ahead without these needs.")

    @property
    def lacking(self) -> frozenset[str]:
        """The need codes the coordinator was shown as lacking."""
        return frozenset(code for code in (self.override_needs.data or "").split(";") if code)

    def chosen_override(self) -> NeedOverride | None:
        """The override the coordinator ticked, or None."""
        if not (self.override.data and self.lacking):
            return None
        return NeedOverride(self.lacking, self.override_reason.data or "")

    def show_lacking(self, codes: set[str]) -> None:
        """The place lacks these: name them, unticked, for the coordinator to decide."""
        self.override_needs.data = ";".join(sorted(codes))
        self.override.data = False
