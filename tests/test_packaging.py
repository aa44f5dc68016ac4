"""The installed package carries what the app reads: templates, static files, migrations.

`templates/` and `migrations/` stay beside the packages in the checkout; pyproject.toml maps
them into the package as `placement.templates` and `placement.migrations`, and the app finds
them through the import system, so a wheel and an editable install read the same names. The
real proof is the wheel check (.ci/wheel-check, in CI), which installs the built wheel into a
fresh venv and serves the sign-in page; these tests keep the pieces it relies on in place.
"""

import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from placement import config, create_app

ROOT = Path(__file__).resolve().parent.parent
# The folders each distributed package lives in, in the checkout.
CODE = ("placement", "optimizer", "partners")


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _folders_as_packages(package_dir: dict[str, str]) -> set[str]:
    """Every folder with files in it, named as the package setuptools installs it as."""
    roots = {name: ROOT / name for name in CODE} | {
        name: ROOT / folder for name, folder in package_dir.items()}
    found = set()
    for name, root in roots.items():
        for folder in [root, *root.rglob("*")]:
            if (folder.is_dir() and "__pycache__" not in folder.parts
                    and any(path.is_file() for path in folder.iterdir())):
                found.add(".".join([name, *folder.relative_to(root).parts]))
    return found


def test_every_folder_is_a_listed_package():
    """setuptools ships only the packages it is told of (data folders are packages too):
    a folder missing from the list is missing from the wheel, and an editable install
    would not show it either."""
    settings = _setuptools()
    assert settings["package-dir"] == {"placement.templates": "templates",
                                       "placement.migrations": "migrations"}
    listed = set(settings["packages"])
    found = _folders_as_packages(settings["package-dir"])
    assert not found - listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert not listed - found, f"listed but no such folder: {sorted(listed - found)}"


def test_the_app_reads_its_folders_through_the_import_system(tmp_path):
    """Templates and migrations come from their packages, which an editable install maps to
    the checkout's own folders: templates edited there reload in development."""
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    templates = Path(str(files("placement.templates")))
    migrations = Path(str(files("placement.migrations")))
    assert Path(app.template_folder) == templates == ROOT / "templates"
    assert Path(app.extensions["migrate"].directory) == migrations == ROOT / "migrations"
    assert (templates / "auth" / "login.html").is_file()
    assert (migrations / "env.py").is_file() and (migrations / "alembic.ini").is_file()
    assert Path(app.static_folder) == ROOT / "placement" / "static"


@pytest.fixture
def plain_environment(monkeypatch):
    for name in ("SHELTER_BRIDGE_INSTANCE", "DATABASE_URL", "SHELTER_BRIDGE_ENV",
                 "SCHEDULER_IN_APP"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_instance_folder_can_be_placed(plain_environment, tmp_path):
    """An installed app would keep its keys and database inside the venv; the environment
    places them (a relative path counts from the working directory)."""
    plain_environment.chdir(tmp_path)
    assert config.instance_path({}) is None  # Flask's default
    plain_environment.setenv("SHELTER_BRIDGE_INSTANCE", "data/instance")
    instance = tmp_path / "data" / "instance"
    assert config.instance_path({}) == str(instance)
    assert config.instance_path({"INSTANCE_PATH": "/elsewhere"}) == "/elsewhere"

    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{instance / 'shelter-bridge.sqlite3'}")
    assert (instance / "secret_key").is_file()
