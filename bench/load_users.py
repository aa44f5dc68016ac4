"""Create the accounts a load test signs in with (many, so that one-time codes never
collide) and write their credentials to a JSON file for bench/locustfile.py.

Usage: DATABASE_URL=… .venv/bin/python bench/load_users.py /tmp/load-users.json [N]
"""

import json
import sys

import pyotp
from sqlalchemy import select

from placement import create_app
from placement.auth.cli import create_user
from placement.auth.models import Role, User
from placement.auth.totp import set_secret
from placement.extensions import db

PASSWORD = "violet kettle harbor"


def main(path: str, per_role: int = 30) -> None:
    app = create_app()
    users = {"advocate": [], "coordinator": []}
    with app.app_context():
        for role in (Role.ADVOCATE, Role.COORDINATOR):
            for i in range(per_role):
                email = f"load.{role.value}{i}@example.org"
                user = db.session.scalar(select(User).where(User.email == email)) or \
                    create_user(email, role, PASSWORD)
                secret = None
                if role is Role.COORDINATOR:
                    secret = pyotp.random_base32()
                    set_secret(user, secret)
                users[role.value].append({"email": email, "password": PASSWORD,
                                          "totp": secret})
        db.session.commit()
    with open(path, "w") as handle:
        json.dump(users, handle)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30)
