"""`flask api-key create`: an integration key from the command line (the admins' page does
the same), for setting up a program or trying the API; the token is printed once."""

from datetime import timedelta

import click
from sqlalchemy import select

from partners.organizations import Organization, OrganizationKind, add_organization

from ..database import unit_of_work
from ..extensions import db
from . import utc_now
from .keys import DEFAULT_RATE_LIMIT, KeyIssueError, Scope, issue_key


@click.group("api-key")
def api_key_cli() -> None:
    """Integration keys of the API (/api/v1)."""


@api_key_cli.command("create")
@click.option("--organization", required=True, help="Its name; made if it does not exist.")
@click.option("--name", required=True, help="What will use the key.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice([s.value for s in Scope]))
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 730))
@click.option("--rate-limit", default=DEFAULT_RATE_LIMIT, show_default=True,
              type=click.IntRange(1, 100_000), help="Calls a minute.")
def create(organization: str, name: str, scopes: tuple[str, ...], days: int,
           rate_limit: int) -> None:
    with unit_of_work():
        owner = db.session.scalar(select(Organization).where(Organization.name == organization))
        if owner is None:
            owner = add_organization(db.session, organization, OrganizationKind.AGENCY)
        now = utc_now()
        try:
            key, token = issue_key(db.session, owner, name, {Scope(s) for s in scopes},
                                   now + timedelta(days=days), rate_limit, None, now)
        except KeyIssueError as error:
            raise click.UsageError(str(error)) from None
    click.echo(f"Key {key.shown_id} of {owner.name} (shown once; keep it safe):")
    click.echo(token)
