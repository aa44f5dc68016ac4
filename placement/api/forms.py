"""The admins' forms for organizations, integration keys and webhooks."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from partners.organizations import OrganizationKind

from ..admin.forms import stripped
from .keys import DEFAULT_RATE_LIMIT, MAX_RATE_LIMIT, MAX_VALID_DAYS, Scope


class OrganizationForm(FlaskForm):
    name = StringField("Name", filters=[stripped], validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in OrganizationKind],
                       default=OrganizationKind.AGENCY.value)
    submit = SubmitField("Add organization")


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class KeyForm(FlaskForm):
    organization = SelectField("Organization", coerce=int, validators=[InputRequired()])
    name = StringField("Name (what uses it)", filters=[stripped],
                       validators=[DataRequired(), Length(max=100)])
    scopes = Checkboxes("It may", choices=[SelectChoice(s.value, s.label) for s in Scope],
                        validators=[DataRequired(message="Choose at least one.")])
    valid_days = IntegerField("Valid for (days)", default=365,
                              validators=[InputRequired(), NumberRange(1, MAX_VALID_DAYS)])
    rate_limit = IntegerField("Calls a minute at most", default=DEFAULT_RATE_LIMIT,
                              validators=[InputRequired(), NumberRange(1, MAX_RATE_LIMIT)])
    submit = SubmitField("Create key")


class WebhookForm(FlaskForm):
    organization = SelectField("Organization", coerce=int, validators=[InputRequired()])
    url = StringField("Address (https)", filters=[stripped],
                      validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Add webhook")
