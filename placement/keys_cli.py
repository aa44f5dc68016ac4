"""`flask --app placement keys ...`: rotate the keys that encrypt data at rest: the notes of
requests and the second-factor (TOTP) secrets of accounts. Both must move to the newest key,
or dropping an old key would lock every coordinator and admin out."""

import click
from cryptography.fernet import Fernet
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .auth.models import User
from .backup_crypto import generate_key as generate_backup_key
from .crypto import add_instance_key, rotate_token
from .database import unit_of_work
from .extensions import db
from .requests.models import HousingRequest

keys_cli = AppGroup("keys", help="Encryption keys for notes and for backups.")


# Every encrypted column: (model, attribute).
ENCRYPTED = ((HousingRequest, "note_encrypted"), (User, "totp_secret_encrypted"))


def reencrypt_all() -> dict[str, int]:
    """Re-encrypt every encrypted value with the newest key, in one transaction."""
    counts = {}
    with unit_of_work():
        for model, attribute in ENCRYPTED:
            column = getattr(model, attribute)
            rows = db.session.scalars(select(model).where(column.is_not(None))).all()
            for row in rows:
                setattr(row, attribute, rotate_token(getattr(row, attribute)))
            counts[model.__tablename__] = len(rows)
    return counts


@keys_cli.command("generate")
def generate_command() -> None:
    """Print a new key, to put first in NOTE_KEYS."""
    click.echo(Fernet.generate_key().decode())


@keys_cli.command("generate-backup")
def generate_backup_command() -> None:
    """Print a new backup key, to put first in BACKUP_KEYS (never a note key)."""
    click.echo(generate_backup_key())


@keys_cli.command("rotate")
def rotate_command() -> None:
    """Encrypt every note and second-factor secret with the newest key.

    With NOTE_KEYS set, first put a new key (from `keys generate`) at its front, keeping the
    old ones after it; without it, a new key is added to the instance key file.
    """
    if not current_app.config.get("NOTE_KEYS"):
        add_instance_key()
        click.echo("Added a new key to the instance key file.")
    counts = reencrypt_all()
    click.echo(f"Re-encrypted {counts['housing_request']} notes and {counts['user']} "
               "second-factor secrets with the newest key. Older keys can be removed once "
               "every host uses the new list.")
