"""requests keep the needs the planner named when they waited for needs (wait_needs), so
the reports' "needs no place nearby offered" counts those, not every need the party had

Revision ID: b3f8c2d6e1a4
Revises: a7d3e9c1f5b2
Create Date: 2026-12-03 08:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3f8c2d6e1a4'
down_revision = 'a7d3e9c1f5b2'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never SQLite's batch mode: that copies the table to alter it, and the
# report_memo triggers (a7d3e9c1f5b2) that name housing_request stop the copy's rename.


def upgrade():
    op.add_column('housing_request', sa.Column('wait_needs', sa.JSON(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE housing_request DROP COLUMN wait_needs")
