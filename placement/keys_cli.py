"""`flask --app placement keys ...`: rotate the keys that encrypt notes at rest."""

import click
from cryptography.fernet import Fernet
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .crypto import add_instance_key, rotate_token
from .database import unit_of_work
from .extensions import db
from .requests.models import HousingRequest

keys_cli = AppGroup("keys", help="Encryption keys for notes.")


def reencrypt_notes() -> int:
    count = 0
    with unit_of_work():
        for request in db.session.scalars(
            select(HousingRequest).where(HousingRequest.note_encrypted.is_not(None))
        ):
            request.note_encrypted = rotate_token(request.note_encrypted)
            count += 1
    return count


@keys_cli.command("generate")
def generate_command() -> None:
    """Print a new key, to put first in NOTE_KEYS."""
    click.echo(Fernet.generate_key().decode())


@keys_cli.command("rotate")
def rotate_command() -> None:
    """Encrypt every note with the newest key.

    With NOTE_KEYS set, first put a new key (from `keys generate`) at its front, keeping the
    old ones after it; without it, a new key is added to the instance key file.
    """
    if not current_app.config.get("NOTE_KEYS"):
        add_instance_key()
        click.echo("Added a new key to the instance key file.")
    count = reencrypt_notes()
    click.echo(f"Re-encrypted {count} notes with the newest key. Older keys can be removed "
               "once every host uses the new list.")
