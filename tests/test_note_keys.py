from cryptography.fernet import Fernet

from placement.crypto import decrypt_note, encrypt_note, load_keys
from placement.extensions import db
from placement.requests.models import Gender, HousingRequest, Priority


def add_request_with_note(make_user, text):
    from datetime import date

    from placement.auth.models import Role

    request = HousingRequest(
        created_by_id=make_user(Role.ADVOCATE).id, adults=1, gender=Gender.FEMALE,
        earliest=date(2026, 12, 1), latest=date(2026, 12, 1), nights=2,
        priority=Priority.HIGH, note_encrypted=encrypt_note(text),
    )
    db.session.add(request)
    db.session.commit()
    return request


def test_rotation_re_encrypts_every_note_with_a_new_key(app, make_user):
    request = add_request_with_note(make_user, "ground floor please")
    old_token = request.note_encrypted
    first_key = app.extensions["note_keys"][0]
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "Re-encrypted 1 notes and 0 second-factor" in result.output
    db.session.refresh(request)
    assert request.note_encrypted != old_token
    keys = load_keys(app)
    assert keys[0] != first_key and first_key in keys
    assert Fernet(keys[0]).decrypt(request.note_encrypted) == b"ground floor please"
    assert decrypt_note(request.note_encrypted) == "ground floor please"


def test_keys_from_the_environment_are_used_newest_first(app, make_user):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["NOTE_KEYS"] = old
    app.extensions.pop("note_keys", None)
    request = add_request_with_note(make_user, "written under the old key")
    app.config["NOTE_KEYS"] = f"{new},{old}"
    app.extensions.pop("note_keys", None)
    assert decrypt_note(request.note_encrypted) == "written under the old key"
    app.test_cli_runner().invoke(args=["keys", "rotate"])
    db.session.refresh(request)
    assert Fernet(new).decrypt(request.note_encrypted) == b"written under the old key"


def test_an_empty_note_stores_nothing(app):
    assert encrypt_note("") is None and decrypt_note(None) is None


def test_rotation_moves_second_factor_secrets_too_so_old_keys_can_go(app, make_user):
    from placement.auth.models import Role
    from placement.auth.totp import secret_of
    from tests.conftest import sign_in

    coordinator = make_user(Role.COORDINATOR)
    secret = secret_of(coordinator)
    old_key = app.extensions["note_keys"][0]
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "1 second-factor secrets" in result.output
    # Drop the old key, as the command says one may: the coordinator still signs in.
    keys = [k for k in load_keys(app) if k != old_key]
    app.config["NOTE_KEYS"] = ",".join(keys)
    app.extensions.pop("note_keys", None)
    db.session.refresh(coordinator)
    assert secret_of(coordinator) == secret
    client = sign_in(app.test_client(), coordinator)
    assert client.get("/coordinator").status_code == 200
