import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from partners.points import DonorKind

from ..web import DateField


class DonorForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        "Kind", choices=[SelectChoice(k.value, k.value.capitalize()) for k in DonorKind],
        validators=[DataRequired()],
    )
    user_id = SelectField("Donor account (optional)", coerce=int, validators=[Optional()])
    submit = SubmitField("Add donor")


def new_key() -> str:
    return uuid.uuid4().hex


class LotForm(FlaskForm):
    # Generated when the form is shown: sending the same form twice records one lot.
    idempotency_key = HiddenField(default=new_key, validators=[DataRequired(), Length(max=64)])
    program_id = SelectField("Program", coerce=int, validators=[DataRequired()])
    points = IntegerField(
        "Points", validators=[InputRequired(), NumberRange(min=1, max=100_000_000)]
    )
    received_on = DateField("Received on", validators=[DataRequired()])
    expires_on = DateField("Expires on (optional)", validators=[Optional()])
    submit = SubmitField("Record donation")

    def validate_expires_on(self, field) -> None:
        if field.data and self.received_on.data and field.data < self.received_on.data:
            raise ValidationError("The expiry date comes before the date received.")
