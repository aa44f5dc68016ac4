"""A reason chosen from a short list (placement/reasons.py), with a few words that are
needed only for "Other": the form a place's no and a request's end share."""

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from .reasons import OTHER, Reason


class CodedReasonForm(FlaskForm):
    REASONS: tuple[Reason, ...] = ()
    SAY_WHY = "Say why."

    reason_code = RadioField("Why", validate_choice=True,
                             validators=[InputRequired(message="Choose why.")])
    note = StringField("In a few words", validators=[Length(max=200)],
                       description="Needed for \u201cOther\u201d. Never a name or an address.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reason_code.choices = [SelectChoice(code, label) for code, label in self.REASONS]

    def validate_note(self, field) -> None:
        if self.reason_code.data == OTHER and not (field.data or "").strip():
            raise ValidationError(self.SAY_WHY)
