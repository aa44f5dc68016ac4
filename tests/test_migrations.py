"""The schema comes only from migrations, and the models never drift from them."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from placement.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_there_is_a_single_alembic_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; merge them"


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


def test_migrations_name_every_constraint(app):
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            assert fk["name"], f"unnamed foreign key on {table}"


def row_counts() -> dict[str, int]:
    from sqlalchemy import inspect, text

    return {table: db.session.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
            for table in inspect(db.engine).get_table_names() if table != "alembic_version"}


def test_every_migration_since_the_needs_keeps_every_row_on_the_way_down_and_up(app):
    """SQLite alters a table by copying and dropping it: with foreign keys enforced the
    drop would cascade and delete every row pointing at it (a shelter's nights, offers,
    reports). Down to the needs migration and up again, on demo data: no row is lost."""
    from flask_migrate import downgrade, upgrade

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    before = row_counts()
    assert before["shelter_offer"] and before["shelter_night"]  # not vacuous
    db.session.remove()
    downgrade(revision="238b820ba478")
    upgrade()
    after = row_counts()
    # The number of the last writing commit (placement/changes.py) is not data: its table
    # was dropped and made again, and the next commit that writes fills it.
    before.pop("data_version", None)
    # The needs no place offered (unmet_need) come back only for requests that still have
    # their needs: retention deleted the others', and a downgrade drops the table.
    before.pop("unmet_need", None)
    # Organizations (the demo's partner agency) came with the integration API, below which
    # the way down goes: its table is dropped and made again empty.
    before.pop("organization", None)
    assert {t: n for t, n in after.items() if t in before} == before
