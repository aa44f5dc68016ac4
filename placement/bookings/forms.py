from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..web import DateField


class ReasonForm(FlaskForm):
    reason = StringField("Reason", validators=[DataRequired(message="Say why."),
                                               Length(max=300)])
    submit = SubmitField("Send")


class CancelForm(ReasonForm):
    """Cancelling a stay says what the request needs now."""

    then = RadioField("Then", default="queue", validate_choice=True, choices=[
        SelectChoice("queue", "Back to the queue: find another place"),
        SelectChoice("close", "Close the request: no place is needed any more"),
    ])
    avoid_place = BooleanField("Do not propose this place again", default=True)

    @property
    def close(self) -> bool:
        return self.then.data == "close"


class ConfirmForm(FlaskForm):
    confirmation = StringField("Confirmation number or shelter contact",
                               validators=[DataRequired(), Length(max=100)])
    points_charged = IntegerField("Points actually charged (hotels)",
                                  validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    submit = SubmitField("Confirm")


class ExtendForm(FlaskForm):
    nights = IntegerField("Extra nights", default=1,
                          validators=[InputRequired(), NumberRange(min=1, max=30)])
    submit = SubmitField("Extend")


class ManualPlacementForm(FlaskForm):
    # A key like "shelter:12", chosen with the place picker (placement/places/picker.py).
    place = StringField("Place", validators=[DataRequired(message="Choose a place."),
                                             Length(max=40)])
    check_in = DateField("Check-in night", validators=[DataRequired()])
    nights = IntegerField("Nights", validators=[InputRequired(), NumberRange(min=1, max=60)])
    submit = SubmitField("Check and approve")
