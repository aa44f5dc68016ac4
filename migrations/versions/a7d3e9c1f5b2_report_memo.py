"""the reports keep each settled month's figures (report_memo), and the database forgets a
month's the moment anything the reports read of it changes

A report of five years read every request and stay each time (1.2-2.5 s on the national
database); a settled month's figures are now read from one row per month and filter scope.
Triggers on every table the figures read delete the rows of the months a statement touched
(a request's filing month; a stay's, an outcome's, an extension's through their request),
whichever code path writes, raw SQL and bulk updates included; a change to what the
figures group by (a hotel's program, a program's code, an organization's kind) forgets
them all. On PostgreSQL a writer also takes a shared advisory lock on each month it
touches (key REPORT_MEMO_LOCK, the month as yyyymm; 0: every month), which a report takes
exclusively, without waiting, before it counts a month it will keep (placement/reports/
memo.py): a month counted while a change to it was in flight is never kept.

A later migration must not rebuild one of these tables with SQLite's batch mode (it copies
a table to alter it: the copy has no triggers, and the triggers naming the table stop the
copy's rename); plain ALTER TABLE works on both. tests/test_report_memo.py checks that
every trigger is there at the head.

Revision ID: a7d3e9c1f5b2
Revises: c6a1f0e2d9b4
Create Date: 2026-12-03 08:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7d3e9c1f5b2'
down_revision = 'c6a1f0e2d9b4'
branch_labels = None
depends_on = None

REPORT_MEMO_LOCK = 1818  # placement/reports/memo.py has the same

# (table, how its rows' months are read from a set of its rows `r`)
MONTHS_OF = {
    "housing_request": "SELECT r.filed_month FROM {rows} r",
    "unmet_need": "SELECT r.filed_month FROM {rows} r",
    "booking": "SELECT h.filed_month FROM housing_request h JOIN {rows} r "
               "ON h.id = r.request_id",
    "request_outcome": "SELECT h.filed_month FROM housing_request h JOIN {rows} r "
                       "ON h.id = r.request_id",
    "audit_event": "SELECT h.filed_month FROM housing_request h JOIN booking b "
                   "ON b.request_id = h.id JOIN {rows} r ON r.subject_id = b.id "
                   "WHERE r.subject = 'booking' AND r.action = 'extend'",
}
# What the figures group by, kept in another table: a change forgets every month.
EVERY_MONTH = {"hotel": "program_id", "loyalty_program": "code", "organization": "kind"}
EVENTS = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}


def _postgresql():
    op.execute(f"""
CREATE FUNCTION report_memo_forget(months date[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE m date;
BEGIN
    FOR m IN SELECT DISTINCT x FROM unnest(months) AS x WHERE x IS NOT NULL ORDER BY x LOOP
        PERFORM pg_advisory_xact_lock_shared({REPORT_MEMO_LOCK},
            (extract(year FROM m) * 100 + extract(month FROM m))::int);
        DELETE FROM report_memo WHERE month = m;
    END LOOP;
END $$""")
    op.execute(f"""
CREATE FUNCTION report_memo_forget_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({REPORT_MEMO_LOCK}, 0);
    DELETE FROM report_memo;
    RETURN NULL;
END $$""")
    for table, months in MONTHS_OF.items():
        for event, sides in EVENTS.items():
            name = f"report_memo_{table}_{event.lower()}"
            union = " UNION ".join(months.format(rows=f"{side.lower()}_rows")
                                   for side in sides)
            op.execute(f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_memo_forget(ARRAY({union}));
    RETURN NULL;
END $$""")
            referencing = " ".join(f"{side} TABLE AS {side.lower()}_rows" for side in sides)
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                       f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    for table, column in EVERY_MONTH.items():
        op.execute(f"CREATE TRIGGER report_memo_{table}_all AFTER UPDATE OF {column} OR DELETE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION report_memo_forget_all()")


def _sqlite():
    # SQLite has one writer at a time (and the reports take the write lock when they keep
    # a month), so deleting the rows is enough there.
    for table in MONTHS_OF:
        for event, sides in EVENTS.items():
            # A row trigger sees OLD and NEW as one row each, not as tables.
            selects = " UNION ".join(_sqlite_months(table, side) for side in sides)
            op.execute(f"CREATE TRIGGER report_memo_{table}_{event.lower()} AFTER {event} "
                       f"ON {table} BEGIN DELETE FROM report_memo WHERE month IN ({selects}); "
                       f"END")
    for table, column in EVERY_MONTH.items():
        for event in (f"UPDATE OF {column}", "DELETE"):
            op.execute(f"CREATE TRIGGER report_memo_{table}_{event.split()[0].lower()} "
                       f"AFTER {event} ON {table} BEGIN DELETE FROM report_memo; END")


def _sqlite_months(table: str, side: str) -> str:
    if table in ("housing_request", "unmet_need"):
        return f"SELECT {side}.filed_month"
    if table in ("booking", "request_outcome"):
        return f"SELECT filed_month FROM housing_request WHERE id = {side}.request_id"
    return (f"SELECT h.filed_month FROM housing_request h JOIN booking b "
            f"ON b.request_id = h.id WHERE b.id = {side}.subject_id "
            f"AND {side}.subject = 'booking' AND {side}.action = 'extend'")


def upgrade():
    op.create_table(
        'report_memo',
        sa.Column('scope', sa.String(length=120), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('parts', sa.JSON(), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'scope', name=op.f('pk_report_memo')),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in MONTHS_OF:
            for event in EVENTS:
                name = f"report_memo_{table}_{event.lower()}"
                op.execute(f"DROP TRIGGER {name} ON {table}")
                op.execute(f"DROP FUNCTION {name}()")
        for table in EVERY_MONTH:
            op.execute(f"DROP TRIGGER report_memo_{table}_all ON {table}")
        op.execute("DROP FUNCTION report_memo_forget_all()")
        op.execute("DROP FUNCTION report_memo_forget(date[])")
    else:
        for table in MONTHS_OF:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER report_memo_{table}_{event.lower()}")
        for table in EVERY_MONTH:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER report_memo_{table}_{event}")
    op.drop_table('report_memo')
