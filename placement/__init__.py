"""Shelter Bridge: the Flask application factory. Wiring only."""

from importlib.resources import files
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, audit, config, database, errors, filters, hooks, logs, metrics, security, web
from .auth import access
from .changes import count_changes
from .database import configure_engine
from .extensions import bootstrap, csrf, db, login_manager, migrate
from .jobs import scheduler


def create_app(test_config: dict | None = None) -> Flask:
    test_config = test_config or {}
    app = Flask(
        __name__,
        instance_path=config.instance_path(test_config),
        instance_relative_config=True,
        template_folder=_data_folder("placement.templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path, test_config))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    logs.init_app(app)
    metrics.init_app(app)  # first: every request is timed, whatever answers it
    web.init_app(app)  # ids, NUL bytes: before any rule or other check
    _init_extensions(app)
    database.init_app(app)  # one commit per request, at its end
    audit.init_app()
    filters.init_app(app)
    _register_blueprints(app)
    api.init_app(app)  # keyed views, and the events of the requests it filed
    _wire_planner(app)
    _register_cli(app)
    errors.init_app(app)
    scheduler.init_app(app)
    return app


def _data_folder(package: str) -> str:
    """The folder of a data package: `templates/` and `migrations/` in the checkout, mapped
    into the placement package by pyproject.toml's package-dir, so the wheel carries them and
    an editable install reads the checkout's files (templates reload as they are edited)."""
    folder = files(package)
    if not isinstance(folder, Path):  # a zipped install: Jinja and Alembic need real files
        raise RuntimeError(f"{package} must be installed as files, not zipped")
    return str(folder)


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every mapped class, for migrations and relationships)

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
        count_changes(db.engine)
    migrate.init_app(app, db, directory=_data_folder("placement.migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    # Session lifetimes first, then the role check, then CSRF: an expired session signs
    # out, and a forbidden POST is a 403 whatever it carries.
    security.init_app(app)
    access.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)


def _load_user(token: str):
    from sqlalchemy import select

    from .auth.models import User

    user = db.session.scalar(select(User).where(User.session_token == token))
    return user if user is not None and user.active else None


def _register_blueprints(app: Flask) -> None:
    from . import health, home
    from .admin.views import bp as admin_bp
    from .auth.totp import bp as totp_bp
    from .auth.views import bp as auth_bp
    from .bookings.card import bp as card_bp
    from .bookings.staff import bp as staff_bp
    from .bookings.views import bp as bookings_bp
    from .donors.views import bp as donors_bp
    from .inbox_views import bp as inbox_bp
    from .jobs.views import bp as jobs_bp
    from .places import bp as places_bp
    from .places.report import bp as report_bp
    from .planning.views import bp as planning_bp
    from .points.views import bp as points_bp
    from .reports.export_views import bp as report_exports_bp
    from .reports.views import bp as reports_bp
    from .requests.views import bp as requests_bp

    for blueprint in (auth_bp, totp_bp, home.bp, admin_bp, donors_bp, points_bp, requests_bp,
                      places_bp, report_bp, staff_bp, card_bp, planning_bp, bookings_bp, jobs_bp,
                      inbox_bp, reports_bp, report_exports_bp, health.bp, metrics.bp):
        app.register_blueprint(blueprint)


def _wire_planner(app: Flask) -> None:
    """Requests and bookings reach the planner above them, and places the stays above
    them, through placement.hooks."""
    from .bookings.needs import unfit_stays
    from .planning.bridge import stay_rules_broken
    from .planning.runner import start_run

    hooks.init_app(app, hooks.Planner(check_stay=stay_rules_broken, start_run=start_run),
                   hooks.Stays(unfit=unfit_stays))


def _register_cli(app: Flask) -> None:
    from .api.cli import api_key_cli
    from .auth.cli import users_cli
    from .backup import backup_command, restore_command
    from .benchdata import bench_data_command, bench_plan_command
    from .demo import demo_code_command, demo_command
    from .jobs.cli import scheduler_command
    from .keys_cli import keys_cli

    app.cli.add_command(keys_cli)
    app.cli.add_command(api_key_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(scheduler_command)
    if app.config["ENV_NAME"] != "production":
        # Demo accounts (printed passwords) and fictional bulk data: never in production.
        for command in (demo_command, demo_code_command, bench_data_command,
                        bench_plan_command):
            app.cli.add_command(command)
