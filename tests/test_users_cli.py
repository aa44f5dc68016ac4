from sqlalchemy import select

from placement.auth.models import Role, User
from placement.extensions import db


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["users", *args], input=input)


def test_create_prompts_for_the_password_twice(app):
    result = run(app, "create", "Lead@Example.org", "--role", "coordinator",
                 input="a long enough secret\na long enough secret\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "lead@example.org"))
    assert user.role is Role.COORDINATOR
    assert user.check_password("a long enough secret")
    assert "a long enough secret" not in result.output


def test_create_can_generate_a_password_and_shows_it_once(app):
    result = run(app, "create", "admin@example.org", "--role", "admin", "--generate-password")
    assert result.exit_code == 0, result.output
    password = result.output.split("at the first sign-in): ")[1].strip()
    user = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert len(password) >= 20 and user.check_password(password)
    assert user.must_change_password  # printed on a terminal: theirs to replace


def test_create_refuses_a_short_password(app):
    result = run(app, "create", "a@example.org", "--role", "donor", input="short\nshort\n")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert db.session.scalar(select(User).where(User.email == "a@example.org")) is None


def test_create_refuses_an_unknown_role_and_a_duplicate(app):
    assert run(app, "create", "a@example.org", "--role", "superuser").exit_code != 0
    first = run(app, "create", "a@example.org", "--role", "donor", "--generate-password")
    assert first.exit_code == 0
    again = run(app, "create", "A@example.org", "--role", "admin", "--generate-password")
    assert again.exit_code != 0 and "already exists" in again.output


def test_list_and_deactivate(app, make_user):
    user = make_user(Role.ADVOCATE, email="worker@example.org")
    token = user.session_token
    assert "worker@example.org\tadvocate\tactive" in run(app, "list").output
    assert run(app, "deactivate", "worker@example.org").exit_code == 0
    db.session.refresh(user)
    assert not user.active and user.session_token != token
    assert "deactivated" in run(app, "list").output
    assert run(app, "deactivate", "ghost@example.org").exit_code != 0


def test_there_are_no_default_accounts(app):
    assert db.session.scalars(select(User)).all() == []
