"""`flask --app placement users ...`: accounts from the command line (the first admin)."""

import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from partners.organizations import Organization

from ..database import unit_of_work
from ..extensions import db
from .models import Role, User, role_misfit
from .passwords import password_problem

users_cli = AppGroup("users", help="Create and manage accounts.")


def generate_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, ~120 bits


def create_user(email: str, role: Role, password: str, *, temporary: bool = False,
                organization: Organization | None = None) -> User:
    """Flushes a new account; the caller commits. `temporary`: the person must choose their
    own password at the first sign-in. `organization`: whom the person works for (a
    referrer's agency)."""
    email = User.normalize_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValueError(f"an account for {email} already exists")
    user = User(email=email, role=role, organization=organization)
    user.set_password(password, temporary=temporary)
    db.session.add(user)
    db.session.flush()
    return user


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role."
)
@click.option(
    "--generate-password", "generate", is_flag=True,
    help="Generate a strong password and print it once, instead of prompting.",
)
def create_command(email: str, role: str, generate: bool) -> None:
    """Create an account with EMAIL and ROLE; prompts for the password unless told to
    generate one."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if (misfit := role_misfit(Role(role), None)) is not None:
        # A referrer belongs to a partner agency, chosen on the admin's accounts page.
        raise click.ClickException(misfit + " Create referrers on the Accounts page.")
    if generate:
        password = generate_password()
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if problem := password_problem(password, minimum, email):
            raise click.ClickException(problem)
    try:
        with unit_of_work():
            user = create_user(email, Role(role), password, temporary=generate)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role.value} account {user.email}.")
    if generate:
        click.echo(f"Password (shown once; they choose their own at the first sign-in): "
                   f"{password}")


@users_cli.command("list")
def list_command() -> None:
    """List accounts with their role and status."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        status = "active" if user.active else "deactivated"
        click.echo(f"{user.email}\t{user.role.value}\t{status}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Deactivate an account and end all its sessions."""
    with unit_of_work():
        user = db.session.scalar(select(User).where(User.email == User.normalize_email(email)))
        if user is None:
            raise click.ClickException(f"no account for {email}")
        user.active = False
        user.end_all_sessions()
    click.echo(f"Deactivated {user.email}.")
