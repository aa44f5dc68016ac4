"""The wheel check's last step, run by the fresh venv's Python (-I) outside the checkout.

Usage: python -I wheel_smoke.py CHECKOUT

After `flask --app placement db upgrade` has migrated a fresh SQLite database in
SHELTER_BRIDGE_INSTANCE, checks that the app runs from the installed package alone: placement
and the folders it reads (templates, static files, migrations) are inside the venv, each holds
every file the checkout has, the database is at the migrations' head, and the sign-in page
renders with its stylesheet. Prints one line per fact; any failure exits non-zero.
"""

import os
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

import placement
from placement import create_app
from placement.extensions import db


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


def main(checkout: Path) -> None:
    prefix = Path(sys.prefix).resolve()
    package = Path(placement.__file__).resolve().parent
    assert package.is_relative_to(prefix), f"placement imported from {package}, not the venv"

    app = create_app()
    instance = os.environ["SHELTER_BRIDGE_INSTANCE"]
    assert app.instance_path == instance, (app.instance_path, instance)
    migrations = Path(app.extensions["migrate"].directory)
    folders = {"templates": (Path(app.template_folder), checkout / "templates"),
               "static files": (Path(app.static_folder), checkout / "placement" / "static"),
               "migrations": (migrations, checkout / "migrations")}
    for name, (installed, source) in folders.items():
        assert installed.resolve().is_relative_to(prefix), f"{name} read from {installed}"
        missing = sorted(files_under(source) - files_under(installed))
        assert not missing, f"{name} missing from the wheel: {missing}"
        print(f"{name}: {len(files_under(source))} files, all in {installed}")

    heads = set(ScriptDirectory(str(migrations)).get_heads())
    with app.app_context():
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        url = db.engine.url
    assert current == heads, f"database at {current}, migrations' head is {heads}"
    print(f"database {url} migrated to {', '.join(sorted(heads))}")

    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200, page.status_code
    assert b'name="password"' in page.data and b"/static/app.css" in page.data, page.data[:500]
    stylesheet = client.get("/static/app.css")
    assert stylesheet.status_code == 200 and stylesheet.data, stylesheet.status_code
    stylesheet.close()
    print(f"GET /login: 200, {len(page.data)} bytes; GET /static/app.css: 200")
    print(f"instance folder: {instance} (without SHELTER_BRIDGE_INSTANCE: "
          f"{app.auto_find_instance_path()})")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
