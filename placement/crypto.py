"""Encryption at rest for free-text notes, with key rotation.

Keys come from `NOTE_KEYS` (comma-separated Fernet keys, newest first) or, outside
production, from `instance/note_keys`, generated once like the secret key. Every key is
kept for reading; the first encrypts. Rotation puts a new key first and re-encrypts.
"""

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

KEYS_FILE = "note_keys"


class NoteKeyError(RuntimeError):
    pass


def _instance_keys_path() -> Path:
    return Path(current_app.instance_path) / KEYS_FILE


def load_keys(app) -> list[str]:
    configured = app.config.get("NOTE_KEYS") or os.environ.get("NOTE_KEYS")
    if configured:
        return [k.strip() for k in configured.split(",") if k.strip()]
    if app.config.get("ENV_NAME") == "production":
        raise NoteKeyError("set NOTE_KEYS in production; keys are never generated there")
    path = Path(app.instance_path) / KEYS_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode() + "\n")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _cipher() -> MultiFernet:
    keys = current_app.extensions.get("note_keys")
    if keys is None:
        keys = current_app.extensions["note_keys"] = load_keys(current_app)
    return MultiFernet([Fernet(k) for k in keys])


def encrypt_note(text: str | None) -> bytes | None:
    if not text:
        return None
    return _cipher().encrypt(text.encode("utf-8"))


def decrypt_note(token: bytes | None) -> str | None:
    if token is None:
        return None
    try:
        return _cipher().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as error:
        raise NoteKeyError("a note cannot be read with the configured keys") from error


def rotate_token(token: bytes) -> bytes:
    return _cipher().rotate(bytes(token))


def add_instance_key() -> str:
    """Put a new key first in the instance key file (development and single-host setups)."""
    path = _instance_keys_path()
    keys = load_keys(current_app)
    new = Fernet.generate_key().decode()
    path.write_text("\n".join([new, *keys]) + "\n")
    current_app.extensions.pop("note_keys", None)
    return new
