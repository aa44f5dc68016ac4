from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from .models import Role
from .passwords import password_problem

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


def password_policy(form, field) -> None:
    email = getattr(getattr(form, "email", None), "data", None)
    problem = password_problem(field.data or "", current_app.config["PASSWORD_MIN_LENGTH"], email)
    if problem:
        raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=1024), password_policy]
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The two entries differ.")],
    )
    submit = SubmitField("Change password")

    def validate_new_password(self, field) -> None:
        # A password someone else chose must really be replaced, not typed again.
        if field.data and field.data == self.current_password.data:
            raise ValidationError("Choose a password different from the current one.")


class NewUserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired()])
    # Choices are the organizations, set by the view (0: none, the hotline's own staff).
    organization = SelectField("Organization", coerce=int, validate_choice=False,
                               choices=[SelectChoice(0, "None (the hotline)")])
    password = PasswordField(
        "Initial password", validators=[DataRequired(), Length(max=1024), password_policy]
    )
    submit = SubmitField("Create account")


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired()])
    on_call = BooleanField("On call: e-mail me when a critical request is filed")
    submit = SubmitField("Save role")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=1024), password_policy]
    )
    submit = SubmitField("Set password")


class ConfirmForm(FlaskForm):
    """An empty form: a button whose POST carries the CSRF token."""

    submit = SubmitField("Confirm")
