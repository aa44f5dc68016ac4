"""Forms for the admin's vocabulary of needs (the accounts' forms live in auth/forms.py)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError


def stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class NeedWordsForm(FlaskForm):
    """What people read of a need; the only part that may change once it is made."""

    label = StringField("Label", filters=[stripped],
                        validators=[DataRequired(), Length(max=120)])
    help_text = TextAreaField("Help text", filters=[stripped],
                              validators=[Optional(), Length(max=300)])


class NewNeedForm(NeedWordsForm):
    code = StringField("Code", filters=[stripped], validators=[
        DataRequired(), Length(max=40),
        Regexp(r"^[a-z0-9:-]+$",
               message="Use lower-case letters, digits, - and : only (e.g. lang:uk)."),
    ])
    for_shelters = BooleanField("Shelters", default=True)
    for_hotels = BooleanField("Hotels", default=True)
    submit = SubmitField("Add need")

    def validate_for_hotels(self, field) -> None:
        if not (field.data or self.for_shelters.data):
            raise ValidationError("Choose shelters, hotels or both.")


class NeedForm(NeedWordsForm):
    active = BooleanField("Active")
    submit = SubmitField("Save need")
