"""published months (issue 18): the funders' exports keep each settled month's counts as
they were first exported, so every later export of the month shows the same figures

Revision ID: b8d2f4a61c07
Revises: 9e1f2a3b4c5d
Create Date: 2026-12-02 17:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8d2f4a61c07'
down_revision = '9e1f2a3b4c5d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'published_month',
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_published_month')),
    )


def downgrade():
    op.drop_table('published_month')
